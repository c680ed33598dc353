import SQLite from 'better-sqlite3';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createApiKey } from '../../src/core/flows/api-keys.js';
import { createOrganization, putMember } from '../../src/core/flows/organizations.js';
import { apiScopes } from '../../src/core/api-scopes.js';
import { TestBrowser } from '../support/http-client.js';
import { reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

/** A JSON Schema from the OpenAPI document, as far as the fuzzer reads it. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

/** One operation of the OpenAPI document, with what it takes. */
export interface Operation {
  method: string;
  /** The path template, `/api/v1/factors/{factorId}`. */
  path: string;
  /** `session`, `pendingSignIn`, `apiKey`, or none. */
  credential: 'session' | 'pendingSignIn' | 'apiKey' | 'none';
  params?: Schema;
  query?: Schema;
  body?: Schema;
  bodyRequired: boolean;
  /** The statuses the document says it answers. */
  statuses: number[];
}

/** A field of an HTML form, with the constraints the page puts on it. */
export interface FormField {
  name: string;
  /** `text`, `password`, `email`, `tel`, `hidden`, `checkbox`, `radio`, `select`, `textarea`… */
  type: string;
  /** The value the page fills in (for a radio group, each choice's). */
  values: string[];
  required: boolean;
  maxLength?: number;
  minLength?: number;
}

/** Who submits a form, and so which cookies and CSRF token go with it. */
export type Holder = 'session' | 'pending' | 'anonymous';

export interface Form {
  holder: Holder;
  /** The page it was found on. */
  page: string;
  action: string;
  fields: FormField[];
}

/** A browser's cookies and the CSRF token its pages carry. */
export interface Jar {
  cookies: Map<string, string>;
  csrf: string;
}

export interface FuzzWorld {
  server: TestServer;
  operations: Operation[];
  forms: Form[];
  /** The pages each holder reads, by path, and pages that read a query. */
  pages: { holder: Holder; path: string }[];
  jars: Record<Holder, Jar>;
  /** The API key (every scope) as `id.secret`. */
  apiKey: string;
  /** Ada's ids, which valid-looking path parameters use. */
  ids: { factorId: string; sessionId: string; externalId: string };
  /** Every table's rows that matter, as one comparable value. */
  snapshot(): DatabaseSnapshot;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export type DatabaseSnapshot = Record<string, string | number>;

/**
 * Tables that a refused request may still write, and why: none of them makes a session, a
 * grant, a key or a factor. Every other table must be exactly as it was.
 */
const tablesRefusalsWrite = new Set([
  // Failed attempts count toward the per-IP and per-account budgets, which is the point of them:
  // a form's wrong current password counts even when its code is left empty.
  'attempt_throttles',
  'rate_limits',
  // Migrations' own bookkeeping.
  'kysely_migration',
  'kysely_migration_lock',
]);

/** The rows whose content, not only their number, a refused request must leave alone. */
const contentQueries: Record<string, string> = {
  users:
    'select id, email, password_hash, email_verified_at, mfa_setup_required, mfa_reset_at, deletion_due_at, mfa_enforced_at from users order by id',
  factors: 'select id, user_id, kind, label, is_primary from factors order by id',
  sessions: 'select id, user_id, aal, amr, enrollment_only from sessions order by id',
  api_keys: 'select id, scopes, revoked_at from api_keys order by id',
  recovery_codes: 'select id, used_at from recovery_codes order by id',
  step_ups: 'select id, approved_at, last_used_at from step_ups order by id',
  host_people: 'select external_id, user_id from host_people order by external_id',
  oidc_payloads: 'select model, count(*) as n from oidc_payloads group by model order by model',
  organizations: 'select id, name, policy from organizations order by id',
  memberships: 'select org_id, user_id, role from memberships order by org_id, user_id',
  webhook_subscriptions: 'select id, url, org_id, event_types, disabled_at from webhook_subscriptions order by id',
};

/** The people the fuzzer acts as. */
export const ada = 'ada@example.com';
export const bo = 'bo@example.com';

/**
 * A server with Ada signed in (an authenticator app, an instance administrator who passed the
 * console's step-up), Bo half-way through signing in (his pending sign-in), an API key with every
 * scope and a person it registered; the OpenAPI document's operations and the forms each of
 * them and an anonymous visitor see.
 */
export async function startFuzzWorld(): Promise<FuzzWorld> {
  const config = testConfig({ admin: { emails: [ada] } });
  const server = await startTestServer({ config });
  const { app, clock } = server;

  const adaBrowser = new TestBrowser(app);
  const { secret, factorId } = await signUpWithTotp(server, adaBrowser, ada);
  const { stepUpId } = (await adaBrowser.postJson('/api/v1/step-up', { action: 'admin.act' })).json() as { stepUpId: string };
  clock.advance(30_000);
  const approved = await adaBrowser.postJson('/api/v1/step-up/verify', { stepUpId, code: totpAt(secret, clock.now()) });
  if (approved.statusCode !== 200) throw new Error(`admin step-up failed: ${approved.body}`);

  const boBrowser = new TestBrowser(app);
  await signUpWithTotp(server, boBrowser, bo);
  await reachChallenge(boBrowser, bo);

  const { token: apiKey } = await createApiKey(server.deps, {
    name: 'Fuzzer',
    scopes: [...apiScopes],
    by: { userId: null, ip: 'cli' },
  });
  const externalId = 'ext-1';
  const registered = await app.inject({
    method: 'PUT',
    url: `/api/v1/host/people/${externalId}`,
    headers: { authorization: `Bearer ${apiKey}` },
    payload: { email: 'cy@example.com', emailVerified: true },
  });
  if (registered.statusCode >= 300) throw new Error(`registering a person failed: ${registered.body}`);

  // An organization Ada owns and Bo belongs to, so its pages and their forms are fuzzed too.
  const org = await createOrganization(server.deps, { name: 'Fuzzers' });
  const people = await server.deps.store.users.findByEmail(bo);
  const adaUser = await server.deps.store.users.findByEmail(ada);
  await putMember(server.deps, { orgId: org.id, userId: adaUser!.id, role: 'owner' });
  await putMember(server.deps, { orgId: org.id, userId: people!.id, role: 'member' });

  const sessions = (await adaBrowser.get('/api/v1/sessions')).json() as { sessions: { id: string }[] };
  const sessionId = sessions.sessions[0]!.id;

  const document = (await app.inject({ url: '/api/v1/openapi.json' })).json() as OpenApiDocument;
  const operations = operationsOf(document);

  const anonymousBrowser = new TestBrowser(app);
  const browsers: Record<Holder, TestBrowser> = { session: adaBrowser, pending: boBrowser, anonymous: anonymousBrowser };
  const starts: Record<Holder, string[]> = {
    session: ['/account', '/admin'],
    pending: ['/sign-in/verify'],
    anonymous: ['/sign-in', '/sign-up', '/forgot-password', '/sign-in/link/send', '/sign-in/passwordless'],
  };
  const forms: Form[] = [];
  const pages: { holder: Holder; path: string }[] = [];
  const jars = {} as Record<Holder, Jar>;
  for (const holder of ['session', 'pending', 'anonymous'] as const) {
    const found = await crawlForms(browsers[holder], holder, starts[holder]);
    forms.push(...found.forms);
    const paths = new Set([...found.pages.map((page) => page.split('?')[0]!), ...pagesWithQueries]);
    pages.push(...[...paths].map((path) => ({ holder, path })));
    jars[holder] = { cookies: new Map(browsers[holder].cookies), csrf: found.csrf };
  }

  const file = config.database.url.slice('sqlite:'.length);
  const database = new SQLite(file, { readonly: true });
  const tables = (database.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[])
    .map(({ name }) => name)
    .filter((name) => !tablesRefusalsWrite.has(name) && !name.startsWith('sqlite_'));
  const counts = tables.map((name) => [name, database.prepare(`select count(*) as n from "${name}"`)] as const);
  const contents = Object.entries(contentQueries).map(([name, sql]) => [name, database.prepare(sql)] as const);

  return {
    server,
    operations,
    forms,
    pages,
    jars,
    apiKey,
    ids: { factorId, sessionId, externalId },
    snapshot() {
      const snapshot: DatabaseSnapshot = {};
      for (const [name, statement] of counts) snapshot[name] = (statement.get() as { n: number }).n;
      for (const [name, statement] of contents) snapshot[`${name} rows`] = JSON.stringify(statement.all());
      return snapshot;
    },
    inject: (options) => app.inject(options),
    async close() {
      database.close();
      await server.close();
    },
  };
}

interface OpenApiDocument {
  security: Record<string, string[]>[];
  paths: Record<
    string,
    Record<
      string,
      {
        security?: Record<string, string[]>[];
        parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
        requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
        responses: Record<string, unknown>;
      }
    >
  >;
}

/** Every operation of the document, with its parameters gathered into one object schema per place. */
function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): Operation => {
      const security = operation.security ?? document.security;
      const credential = security.length === 0 ? 'none' : (Object.keys(security[0]!)[0] as Operation['credential']);
      const gathered = (place: string): Schema | undefined => {
        const parameters = (operation.parameters ?? []).filter((parameter) => parameter.in === place);
        if (parameters.length === 0) return undefined;
        return {
          type: 'object',
          properties: Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema])),
          required: parameters.filter((parameter) => parameter.required).map((parameter) => parameter.name),
        };
      };
      return {
        method: method.toUpperCase(),
        path,
        credential,
        params: gathered('path'),
        query: gathered('query'),
        body: operation.requestBody?.content['application/json']?.schema,
        bodyRequired: operation.requestBody?.required ?? false,
        statuses: Object.keys(operation.responses).map(Number),
      };
    }),
  );
}

/** Pages that read their query (links from emails and apps), whether or not a link leads there. */
const pagesWithQueries = [
  '/',
  '/step-up',
  '/prompt',
  '/reset-password',
  '/verify-email',
  '/sign-in/link',
  '/sign-in',
  '/sign-in/verify',
  '/account/confirm',
  '/admin/people',
  '/admin/events',
  '/admin/coverage',
];

/** Pages whose links the crawl does not follow: leaving, protocols, files, and links that act. */
const notCrawled =
  /^\/(sign-out|assets\/|dev\/outbox|docs\/|oidc|\.well-known|sign-in\/sso|verify-email|sign-in\/link\?|admin\/events\.csv|api\/)/;

/** The POST forms of the pages `browser` reaches from `starts` by following its own links, and a CSRF token of its pages. */
async function crawlForms(
  browser: TestBrowser,
  holder: Holder,
  starts: string[],
): Promise<{ forms: Form[]; pages: string[]; csrf: string }> {
  const queue = [...starts];
  const seen = new Set<string>();
  const forms = new Map<string, Form>();
  let csrf = '';
  const pages: string[] = [];
  while (queue.length > 0 && seen.size < 60) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const page = await browser.get(url);
    if (page.statusCode !== 200 || !String(page.headers['content-type']).includes('text/html')) continue;
    pages.push(url);
    csrf ||= /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    for (const form of parseForms(page.body)) {
      // The same form on many pages (the header's sign-out) is fuzzed once.
      const key = `${form.action} ${form.fields.map((field) => field.name).join(',')}`;
      if (!forms.has(key)) forms.set(key, { holder, page: url, ...form });
    }
    for (const [, href] of page.body.matchAll(/href="(\/[^"#]*)"/g)) {
      const link = decodeEntities(href!);
      if (!notCrawled.test(link)) queue.push(link);
    }
  }
  if (!csrf) throw new Error(`no CSRF token on the ${holder} pages`);
  return { forms: [...forms.values()], pages, csrf };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s/>]|$)`).exec(tag);
  return match ? decodeEntities(match[1] ?? '') : undefined;
}

/** `<form method="post" action=…>` and its named fields, from a page's markup. */
export function parseForms(markup: string): Omit<Form, 'holder' | 'page'>[] {
  return [...markup.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].flatMap(([, tag, inner]) => {
    if (attribute(tag!, 'method')?.toLowerCase() !== 'post') return [];
    const action = attribute(tag!, 'action');
    if (!action?.startsWith('/')) return [];
    const fields = new Map<string, FormField>();
    for (const [, element, attributes] of inner!.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
      const name = attribute(attributes!, 'name');
      if (!name || name === '_csrf') continue;
      const type = element === 'input' ? (attribute(attributes!, 'type') ?? 'text') : element!;
      if (type === 'submit' || type === 'button') continue;
      const value = attribute(attributes!, 'value') ?? (type === 'checkbox' ? 'on' : '');
      const maxLength = attribute(attributes!, 'maxlength');
      const minLength = attribute(attributes!, 'minlength');
      const existing = fields.get(name);
      if (existing) {
        existing.values.push(value);
        continue;
      }
      fields.set(name, {
        name,
        type,
        values: [value],
        required: attribute(attributes!, 'required') !== undefined,
        ...(maxLength ? { maxLength: Number(maxLength) } : {}),
        ...(minLength ? { minLength: Number(minLength) } : {}),
      });
    }
    // A <select>'s choices are its options.
    for (const [, name, options] of inner!.matchAll(/<select\b[^>]*\sname="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
      const field = fields.get(name!);
      if (field)
        field.values = [...options!.matchAll(/<option\b[^>]*\svalue="([^"]*)"/g)].map(([, value]) => decodeEntities(value!));
    }
    return [{ action: decodeEntities(action), fields: [...fields.values()] }];
  });
}
