import csrf from '@fastify/csrf-protection';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { servedOverHttps, type TesseraConfig } from '../../config.js';
import type { CoreDeps } from '../../core/deps.js';
import { TesseraError } from '../../core/errors.js';
import { readCookie } from '../cookies.js';
import { statusByCode } from '../errors.js';
import type { SafeHtml } from './html.js';
import { layout } from './layout.js';

export type Render = (
  request: FastifyRequest,
  reply: FastifyReply,
  title: string,
  view: (csrfToken: string) => SafeHtml,
  status?: number,
) => FastifyReply;

/** What every group of pages is given: the configuration, the core's dependencies and `render`. */
export interface PageScope {
  config: TesseraConfig;
  deps: CoreDeps;
  render: Render;
}

/**
 * Form parsing and CSRF tokens for the pages' scope, and `render`, which gives the one CSRF
 * token of a response to the view and to the header's sign-out form.
 */
export async function registerPageKit(app: FastifyInstance, config: TesseraConfig): Promise<Render> {
  await app.register(formbody);
  await app.register(csrf, {
    cookieKey: servedOverHttps(config) ? '__Host-tessera_csrf' : 'tessera_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: servedOverHttps(config) },
    getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
  });
  app.addHook('preValidation', async (request, reply) => {
    if (request.method !== 'POST') return;
    await new Promise<void>((resolve, reject) => {
      app.csrfProtection(request, reply, (error?: Error) =>
        error ? reject(new TesseraError('ERR_CSRF', 'This form has expired. Reload the page and try again.')) : resolve(),
      );
    });
  });

  return (request, reply, title, view, status = 200) => {
    const csrfToken = reply.generateCsrf();
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        layout(
          {
            branding: config.branding,
            signedInAs: request.auth?.user.email,
            csrfToken,
            devOutbox: config.mode === 'development',
            trustedDevice: readCookie(config, request, 'device') !== undefined,
          },
          title,
          view(csrfToken),
        ).toString(),
      );
  };
}

/** A text field as typed, to refill a form after an error. */
export function typedField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

const fieldLabels: Record<string, string> = {
  email: 'Email',
  password: 'Password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  code: 'Code',
  recoveryCode: 'Recovery code',
  newEmail: 'New email address',
  proof: 'Code',
};

/** The message and status for a failed form: a schema problem or a domain error; anything else is rethrown. */
export function formFailure(error: unknown): { status: number; message: string } {
  if (error instanceof TesseraError) return { status: statusByCode[error.code], message: error.message };
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    const label = fieldLabels[String(issue?.path[0])] ?? 'Form';
    return { status: 400, message: `${label}: ${issue?.message ?? 'is invalid'}` };
  }
  throw error;
}
