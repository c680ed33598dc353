import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { FastifyServerOptions, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JsonSchema } from '../../src/http/pages/json-schema-view.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

// Every route the app registers, as its onRoute hooks see it: createServer builds the app, so
// the hook goes on each Fastify instance as it is made.
const routes = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const fastify = await importOriginal<typeof import('fastify')>();
  const withRouteLog = (options?: FastifyServerOptions) =>
    fastify.default(options).addHook('onRoute', (route) => {
      routes.push(route);
    });
  return { ...fastify, default: withRouteLog };
});

/**
 * Routes under /api/v1 that are not operations of the API, and so are not in the document.
 * The reference page is not among them: it is a page, at /docs/api.
 */
const undocumented = new Set([
  // The document itself.
  'GET /api/v1/openapi.json',
]);

type Security = Record<string, string[]>[];
interface Operation {
  tags?: string[];
  security?: Security;
  parameters?: { name: string; in: string; schema?: JsonSchema }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonSchema }> }>;
}
interface Document {
  openapi: string;
  servers: { url: string }[];
  tags: { name: string; description?: string }[];
  security: Security;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>> };
}

let server: TestServer;
let document: Document;

beforeAll(async () => {
  server = await startTestServer();
  document = (await server.app.inject({ url: '/api/v1/openapi.json' })).json();
});
afterAll(() => server.close());

/** Each method of each route under /api/v1, but the HEAD routes Fastify adds to every GET. */
function apiRoutes(): { name: string; route: RouteOptions; operation: Operation | undefined }[] {
  return routes
    .filter((route) => route.url.startsWith('/api/v1/'))
    .flatMap((route) => [route.method].flat().map((method) => ({ method, route })))
    .filter(({ method, route }) => method !== 'HEAD' && !undocumented.has(`${method} ${route.url}`))
    .map(({ method, route }) => ({
      name: `${method} ${route.url}`,
      route,
      operation: document.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()],
    }));
}

const operations = () => Object.values(document.paths).flatMap((pathItem) => Object.values(pathItem));

/** Every schema in the document, named by where it is. */
function documentSchemas(): [string, JsonSchema][] {
  return Object.entries(document.paths).flatMap(([path, pathItem]) =>
    Object.entries(pathItem).flatMap(([method, operation]) => {
      const at = `${method.toUpperCase()} ${path}`;
      return [
        ...(operation.parameters ?? []).map((parameter): [string, JsonSchema | undefined] => [
          `${at} ${parameter.name}`,
          parameter.schema,
        ]),
        ...Object.values(operation.requestBody?.content ?? {}).map((media): [string, JsonSchema | undefined] => [
          `${at} body`,
          media.schema,
        ]),
        ...Object.entries(operation.responses).flatMap(([status, response]) =>
          Object.values(response.content ?? {}).map((media): [string, JsonSchema | undefined] => [
            `${at} ${status}`,
            media.schema,
          ]),
        ),
      ].filter((entry): entry is [string, JsonSchema] => entry[1] !== undefined);
    }),
  );
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('writes every schema as JSON Schema 2020-12, with none of OpenAPI 3.0’s own keywords', () => {
    // Strict mode refuses unknown keywords such as 3.0's `nullable`; the OpenAPI dialect adds these four.
    const ajv = new Ajv2020({ strict: true, validateFormats: false });
    ajv.addVocabulary(['discriminator', 'xml', 'externalDocs', 'example']);
    const invalid = documentSchemas().flatMap(([where, schema]) => {
      try {
        ajv.compile(schema);
        return [];
      } catch (error) {
        return [`${where}: ${(error as Error).message}`];
      }
    });
    expect(invalid).toEqual([]);
  });

  it('names the public URL as its server and describes the session cookie and API keys', () => {
    expect(document.servers).toEqual([{ url: server.config.server.publicUrl }]);
    expect(document.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'tessera_session' });
    expect(document.components.securitySchemes.apiKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'id.secret',
    });
  });

  it('describes every tag that an operation uses', () => {
    const described = new Set(document.tags.filter((tag) => tag.description).map((tag) => tag.name));
    const undescribed = operations().flatMap((operation) => (operation.tags ?? []).filter((tag) => !described.has(tag)));
    expect([...new Set(undescribed)]).toEqual([]);
  });

  it('documents every /api/v1 route with a summary, a tag and the schema of its success answer', () => {
    const problems = apiRoutes().flatMap(({ name, route, operation }) => {
      const schema = route.schema ?? {};
      const successes = Object.keys(schema.response ?? {}).filter((status) => status.startsWith('2'));
      return [
        !schema.summary && `${name} has no summary`,
        !schema.tags?.length && `${name} has no tag`,
        successes.length === 0 && `${name} has no response schema for its success status`,
        !operation && `${name} is not in the document`,
        ...successes
          .filter((status) => status !== '204' && !operation?.responses[status]?.content?.['application/json']?.schema)
          .map((status) => `${name} has no schema for its ${status} answer in the document`),
      ].filter((problem): problem is string => typeof problem === 'string');
    });
    expect(problems).toEqual([]);
  });

  it('has a schema for the body, query and path parameters of every /api/v1 route that reads them', () => {
    const problems = apiRoutes().flatMap(({ name, route }) => {
      const handler = String(route.handler);
      const schema = route.schema ?? {};
      return [
        /\brequest\.body\b/.test(handler) && !schema.body && `${name} reads a body without a body schema`,
        /\brequest\.query\b/.test(handler) && !schema.querystring && `${name} reads its query without a querystring schema`,
        (route.url.includes(':') || /\brequest\.params\b/.test(handler)) && !schema.params && `${name} has no params schema`,
      ].filter((problem): problem is string => typeof problem === 'string');
    });
    expect(problems).toEqual([]);
  });

  it('says an operation needs the session exactly where its handler requires a signed-in person', () => {
    const problems = apiRoutes().flatMap(({ name, route, operation }) => {
      const needsSession = (operation?.security ?? document.security).some((requirement) => 'session' in requirement);
      const requiresAuth = /\brequireAuth\b/.test(String(route.handler));
      if (needsSession === requiresAuth) return [];
      return [
        requiresAuth
          ? `${name} requires a session, but its security does not say so`
          : `${name} does not require a session: declare its security (noAuth, pendingSignInAuth or apiKeyAuth)`,
      ];
    });
    expect(problems).toEqual([]);
  });
});

describe('the API reference page', () => {
  it('shows every operation of the document, grouped by tag, with its method, path and summary', async () => {
    const page = await server.app.inject({ url: '/docs/api' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    for (const [path, pathItem] of Object.entries(document.paths)) {
      for (const method of Object.keys(pathItem)) {
        expect(page.body, `${method} ${path}`).toContain(
          `<span class="api-method">${method.toUpperCase()}</span> <code>${path}</code>`,
        );
      }
    }
    expect(page.body).toContain('Sign in with email and password');
    expect(page.body).toContain('<code class="schema-name">trustDevice</code>');
    expect(page.body).toMatch(
      /<h3><span class="api-method">POST<\/span> <code>\/api\/v1\/grants\/consume<\/code><\/h3>[\s\S]*?Credentials:<\/span> <a href="#scheme-apiKey">/,
    );
    const headings = [...page.body.matchAll(/<h2 id="tag-([\w-]+)">/g)].map((match) => match[1]);
    expect(headings).toEqual(document.tags.map((tag) => tag.name));
  });

  it('has no inline script or style, which the Content-Security-Policy would block', async () => {
    const page = await server.app.inject({ url: '/docs/api' });
    expect(page.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
  });
});
