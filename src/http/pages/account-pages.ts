import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { TesseraError } from '../../core/errors.js';
import { changePassword } from '../../core/flows/change-password.js';
import { signOut } from '../../core/flows/session.js';
import { signInWithPassword } from '../../core/flows/sign-in.js';
import { signUp } from '../../core/flows/sign-up.js';
import { credentials, password } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { statusByCode } from '../errors.js';
import { clearSessionCookie, setSessionCookie } from '../session-cookie.js';
import { accountView, signInView, signUpView } from './account-views.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';

const passwordChange = z.object({ currentPassword: password, newPassword: password, endOtherSessions: z.literal('on').optional() });

/** What the person typed as email, to refill the form after an error. */
function typedEmail(body: unknown): string {
  const value = (body as { email?: unknown } | undefined)?.email;
  return typeof value === 'string' ? value : '';
}

const fieldLabels: Record<string, string> = {
  email: 'Email',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
};

/** The first message of a failed form parse, or of a domain error, with the status it deserves. */
function failure(error: unknown): { status: number; message: string } {
  if (error instanceof TesseraError) return { status: statusByCode[error.code], message: error.message };
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const label = fieldLabels[String(issue?.path[0])] ?? 'Form';
    return { status: 400, message: `${label}: ${issue?.message ?? 'is invalid'}` };
  }
  throw error;
}

/** Server-rendered sign-up, sign-in and account pages; forms carry a CSRF token. */
export async function accountPages(app: FastifyInstance, { config, deps }: { config: TesseraConfig; deps: CoreDeps }) {
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: config.mode === 'production' ? '__Host-tessera_csrf' : 'tessera_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.mode === 'production' },
    getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
  });
  app.addHook('preValidation', async (request, reply) => {
    if (request.method === 'POST') await new Promise<void>((resolve, reject) => {
      app.csrfProtection(request, reply, (error?: Error) => (error ? reject(new TesseraError('ERR_CSRF', 'This form has expired. Reload the page and try again.')) : resolve()));
    });
  });

  /** Renders a page; the one CSRF token of the response goes to the view and the header's sign-out form. */
  const page = (request: FastifyRequest, reply: FastifyReply, title: string, view: (csrfToken: string) => SafeHtml, status = 200) => {
    const csrfToken = reply.generateCsrf();
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(layout({ branding: config.branding, signedInAs: request.auth?.user.email, csrfToken }, title, view(csrfToken)).toString());
  };

  app.get('/', async (request, reply) => reply.redirect(request.auth ? '/account' : '/sign-in', 303));

  app.get('/sign-in', async (request, reply) => {
    if (request.auth) return reply.redirect('/account', 303);
    return page(request, reply, 'Sign in', (csrfToken) => signInView({ csrfToken }));
  });

  app.post('/sign-in', async (request, reply) => {
    const email = typedEmail(request.body);
    try {
      const input = credentials.parse(request.body);
      const signedIn = await signInWithPassword(deps, { ...input, ip: request.ip });
      setSessionCookie(config, reply, signedIn.token);
      return reply.redirect('/account', 303);
    } catch (error) {
      const { status, message } = failure(error);
      return page(request, reply, 'Sign in', (csrfToken) => signInView({ csrfToken, error: message, email }), status);
    }
  });

  app.get('/sign-up', async (request, reply) => {
    if (request.auth) return reply.redirect('/account', 303);
    return page(request, reply, 'Create account', (csrfToken) => signUpView({ csrfToken, minLength: config.passwords.minLength }));
  });

  app.post('/sign-up', async (request, reply) => {
    const email = typedEmail(request.body);
    try {
      const input = credentials.parse(request.body);
      const signedIn = await signUp(deps, { ...input, ip: request.ip });
      setSessionCookie(config, reply, signedIn.token);
      return reply.redirect('/account', 303);
    } catch (error) {
      const { status, message } = failure(error);
      const view = (csrfToken: string) => signUpView({ csrfToken, error: message, email, minLength: config.passwords.minLength });
      return page(request, reply, 'Create account', view, status);
    }
  });

  app.post('/sign-out', async (request, reply) => {
    if (request.auth) await signOut(deps, request.auth.session, request.ip);
    clearSessionCookie(config, reply);
    return reply.redirect('/sign-in', 303);
  });

  app.get('/account', { preHandler: requireSignedInPage }, async (request, reply) => {
    const { user, session } = request.auth!;
    const notice = (request.query as { changed?: string }).changed === 'password' ? 'Your password was changed.' : undefined;
    return page(request, reply, 'Account security', (csrfToken) => accountView({ csrfToken, user, session, notice, minLength: config.passwords.minLength }));
  });

  app.post('/account/password', { preHandler: requireSignedInPage }, async (request, reply) => {
    const { user, session } = request.auth!;
    try {
      const input = passwordChange.parse(request.body);
      await changePassword(deps, { user, session, ...input, endOtherSessions: input.endOtherSessions === 'on', ip: request.ip });
      return reply.redirect('/account?changed=password', 303);
    } catch (error) {
      const { status, message } = failure(error);
      const view = (csrfToken: string) => accountView({ csrfToken, user, session, error: message, minLength: config.passwords.minLength });
      return page(request, reply, 'Account security', view, status);
    }
  });
}
