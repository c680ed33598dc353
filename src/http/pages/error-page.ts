import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TesseraConfig } from '../../config.js';
import { TesseraError } from '../../core/errors.js';
import { statusByCode } from '../errors.js';
import { html } from './html.js';
import { layout } from './layout.js';
import { formFailure } from './page-kit.js';

/**
 * An error on a page route, as a page; internals are logged, never shown. A query or form that a
 * page's own schema refused (a missing field, an array for a code) is the visitor's mistake: a
 * 400 naming the field, never a 500.
 */
export function errorPage(config: TesseraConfig, error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const refused = error instanceof z.ZodError ? formFailure(error) : undefined;
  const status =
    refused?.status ??
    (error instanceof TesseraError
      ? statusByCode[error.code]
      : 'statusCode' in error && error.statusCode && error.statusCode < 500
        ? error.statusCode
        : 500);
  if (status === 500) request.log.error({ err: error }, 'unhandled error');
  const message =
    refused?.message ??
    (status === 500
      ? 'Something went wrong on our side. Please try again.'
      : status === 404
        ? 'This page does not exist.'
        : error.message);
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(errorPageHtml(config, status === 404 ? 'Page not found' : 'That did not work', message));
}

/** The error page itself, also for the OpenID Connect provider's refusals. */
export function errorPageHtml(config: TesseraConfig, title: string, message: string): string {
  const body = html`<section class="card" aria-labelledby="title">
    <h1 id="title">${title}</h1>
    <p class="lead">${message}</p>
    <a class="button" href="/">Go to ${config.branding.productName}</a>
  </section>`;
  return layout({ branding: config.branding, devOutbox: config.mode === 'development' }, title, body).toString();
}
