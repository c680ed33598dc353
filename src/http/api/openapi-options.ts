import type { SwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { STATUS_CODES } from 'node:http';
import type { TesseraConfig } from '../../config.js';
import { cookieName } from '../cookies.js';

/** Where the document is read as a page, rendered on the server from the document itself. */
export const apiReferencePath = '/docs/api';

/** Operations that need no credentials: the ways in. */
export const noAuth = [];
/** Operations of a sign-in waiting for its second factor, which /sign-in (or another first factor) started. */
export const pendingSignInAuth = [{ pendingSignIn: [] }];
/** Server-to-server operations, with an API key. */
export const apiKeyAuth = [{ apiKey: [] }];

const tags = [
  {
    name: 'account',
    description:
      'Signing up and in — with a password, a passkey, an emailed link or without a password — the second step, signing out, the password, the email address and deleting the account.',
  },
  {
    name: 'factors',
    description:
      'Second factors — authenticator apps, email, text and call codes, security keys and biometrics — recovery codes, and turning two-step verification on, off or resetting it.',
  },
  { name: 'sessions', description: 'Open sessions, trusted devices and the person’s own security activity.' },
  {
    name: 'step-up',
    description: 'Asking for and approving protected actions, and redeeming the signed grants that approve them.',
  },
  { name: 'host', description: 'Server-to-server calls of the host application, with an API key.' },
];

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: { anyOf?: { type?: unknown }[] } }> };
  responses?: Record<string, { description: string }>;
}

/**
 * Corrects what @fastify/swagger leaves generic: a status without a description gets its reason
 * phrase (`Unauthorized`) instead of `Default Response`, and a body the schema allows to be null
 * (zod's `.nullish()`) is optional rather than required.
 */
function finished<Document extends object>(document: Document): Document {
  const { paths = {} } = document as { paths?: Record<string, Record<string, Operation | undefined> | undefined> };
  for (const operation of Object.values(paths).flatMap((pathItem) => Object.values(pathItem ?? {}))) {
    for (const [status, response] of Object.entries(operation?.responses ?? {})) {
      if (response.description === 'Default Response') response.description = STATUS_CODES[status] ?? status;
    }
    const body = operation?.requestBody;
    if (body?.content?.['application/json']?.schema?.anyOf?.some((variant) => variant.type === 'null')) body.required = false;
  }
  return document;
}

/**
 * @fastify/swagger's options for the OpenAPI 3.1 document at /api/v1/openapi.json: the zod
 * schemas of the routes become JSON Schema 2020-12 (fastify-type-provider-zod picks the target
 * from the `openapi` version), with the security schemes, tags and the public URL as server.
 */
export function openApiOptions(config: TesseraConfig): SwaggerOptions {
  const { productName } = config.branding;
  const publicUrl = config.server.publicUrl.replace(/\/$/, '');
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: `${productName} API`,
        version: '1',
        description: [
          `The JSON API of ${productName}: everything its own pages do for a signed-in person, and the calls a host application makes from its server.`,
          'Browser code on this origin authenticates with the session cookie; servers with an API key (`Authorization: Bearer id.secret`).',
          'Errors are `{ "error": { "code": "ERR_…", "message": "…" } }` with a stable code.',
          `Read this document as a page at ${publicUrl}${apiReferencePath}.`,
        ].join('\n\n'),
      },
      servers: [{ url: publicUrl }],
      tags,
      security: [{ session: [] }],
      components: {
        securitySchemes: {
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: cookieName(config, 'session'),
            description:
              'The session cookie that signing in sets (HttpOnly, SameSite=Lax). A state-changing request with it must come from this origin: another site’s `Origin` or `Sec-Fetch-Site` is refused with 403 ERR_CSRF.',
          },
          pendingSignIn: {
            type: 'apiKey',
            in: 'cookie',
            name: cookieName(config, 'pending'),
            description:
              'The cookie of a sign-in waiting for its second factor, set when a first factor answers `second_factor_required` (or `code_required`); it lasts minutes and is replaced by the session cookie.',
          },
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'id.secret',
            description:
              'An API key of the host application, sent from its server as `Authorization: Bearer id.secret`; never from a browser.',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => ('openapiObject' in document ? finished(document.openapiObject) : document.swaggerObject),
    hideUntagged: true,
  };
}
