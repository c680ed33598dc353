import { randomBytes } from 'node:crypto';
import { createPromptClient, type PromptResult, TesseraRefused } from '@tessera/sdk';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Accounts, describeChange, penceOf } from './accounts.js';
import { createOwnLogins } from './own-logins.js';
import type { Sessions } from './sessions.js';
import { classicView, problemView } from './views.js';
import type { Html } from './html.js';

/** How Kestrel's own-login page reaches Tessera's MFA-only prompt. */
export interface ClassicOptions {
  /** Kestrel's app id in Tessera's `prompt.apps`. */
  appId: string;
  signingSecret: string;
  /** An API key with the `people` and `prompt` scopes. */
  apiKey: string;
}

/** A prompt on its way: what Kestrel checks when the browser comes back. */
interface Asked {
  requestId: string;
  state: string;
  userId: string;
  email: string;
  /** The withdrawal being approved; none for a sign-in. */
  changeId?: string;
}

const asked = new WeakMap<object, Asked>();

/**
 * The page for people who sign in with a Kestrel password, as apps with their own login do:
 * after the password, Tessera's MFA-only prompt asks for the second step (or sets one up), and a
 * withdrawal goes through the prompt too, approved with exactly its amount and account.
 */
export function classicRoutes(
  app: FastifyInstance,
  input: {
    appUrl: URL;
    tesseraUrl: string;
    options: ClassicOptions;
    accounts: Accounts;
    sessions: Sessions;
    show: (request: FastifyRequest, reply: FastifyReply, title: string, body: Html, status?: number) => unknown;
  },
) {
  const { accounts, sessions, show } = input;
  const prompt = createPromptClient({
    url: input.tesseraUrl,
    appId: input.options.appId,
    signingSecret: input.options.signingSecret,
    apiKey: input.options.apiKey,
    allowHttp: input.appUrl.protocol === 'http:',
  });
  const logins = createOwnLogins();
  const returnTo = new URL('/classic/back', input.appUrl).href;

  const page = (request: FastifyRequest, reply: FastifyReply, error?: string, status?: number) =>
    show(request, reply, 'Sign in with a Kestrel password', classicView(sessions.of(request, reply).classic, error), status);

  /** Sends the browser to Tessera's prompt, remembering what to expect back. */
  const sendToPrompt = async (
    request: FastifyRequest,
    reply: FastifyReply,
    person: { userId: string; email: string },
    change?: { id: string; details: string },
  ) => {
    const state = randomBytes(16).toString('base64url');
    const { url, requestId } = await prompt.promptUrl({
      userId: person.userId,
      returnTo,
      state,
      ...(change ? { action: 'funds.withdraw', details: change.details } : {}),
    });
    asked.set(sessions.of(request, reply), { ...person, requestId, state, ...(change ? { changeId: change.id } : {}) });
    return reply.redirect(url, 303);
  };

  const credentials = (request: FastifyRequest) => {
    const { email = '', password = '' } = (request.body ?? {}) as { email?: string; password?: string };
    return { email: email.trim(), password };
  };

  app.get('/classic', (request, reply) => page(request, reply));

  app.post('/classic/sign-up', async (request, reply) => {
    const { email, password } = credentials(request);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || password.length < 10) {
      return page(request, reply, 'Give an email address and a password of at least 10 characters.', 400);
    }
    const userId = await logins.create(email, password);
    if (!userId) return page(request, reply, 'There is a Kestrel login for this address already: sign in.', 409);
    try {
      await prompt.upsertPerson(userId, { email });
    } catch (error) {
      if (!(error instanceof TesseraRefused)) throw error;
      return page(request, reply, error.message, 409);
    }
    return sendToPrompt(request, reply, { userId, email });
  });

  app.post('/classic/sign-in', async (request, reply) => {
    const { email, password } = credentials(request);
    const userId = await logins.check(email, password);
    if (!userId) return page(request, reply, 'The email or password is not right.', 401);
    return sendToPrompt(request, reply, { userId, email });
  });

  app.post('/classic/withdraw', async (request, reply) => {
    const signedIn = sessions.of(request, reply).classic;
    if (!signedIn) return page(request, reply, 'Sign in first.', 401);
    const account = accounts.accountOf(signedIn.result.tsub);
    const amount = ((request.body ?? {}) as { amount?: string }).amount?.trim() ?? '';
    const pence = penceOf(amount);
    if (pence <= 0 || pence > account.balancePence)
      return page(request, reply, 'Enter an amount up to your available balance.', 400);
    const change = accounts.propose({ sub: signedIn.result.tsub, kind: 'funds.withdraw', pence, toAccount: account.bankAccount });
    return sendToPrompt(request, reply, signedIn, { id: change.id, details: describeChange(change) });
  });

  app.get('/classic/back', async (request, reply) => {
    const session = sessions.of(request, reply);
    const expected = asked.get(session);
    const { code, state } = request.query as { code?: string; state?: string };
    asked.delete(session);
    if (!expected || !code || state !== expected.state) {
      return show(
        request,
        reply,
        'Start again',
        problemView('This return from Tessera was not expected.', { href: '/classic', label: 'Back' }),
        400,
      );
    }
    const owner = session.classic?.result.tsub;
    const change = expected.changeId && owner ? accounts.pendingChange(owner, expected.changeId, 'funds.withdraw') : undefined;
    let result: PromptResult;
    try {
      result = await prompt.exchange(code, {
        userId: expected.userId,
        requestId: expected.requestId,
        ...(change ? { action: 'funds.withdraw', details: describeChange(change) } : {}),
      });
    } catch (error) {
      if (!(error instanceof TesseraRefused)) throw error;
      return show(request, reply, 'Not approved', problemView(error.message, { href: '/classic', label: 'Back' }), 403);
    }
    if (change) {
      accounts.apply(change);
      session.notice = `Done: ${describeChange(change)}.`;
    } else {
      session.classic = { userId: expected.userId, email: expected.email, result };
    }
    return reply.redirect('/classic', 303);
  });

  app.post('/classic/sign-out', (request, reply) => {
    delete sessions.of(request, reply).classic;
    return reply.redirect('/classic', 303);
  });
}
