import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import type { Form, FormField, FuzzWorld, Holder, Operation, Schema } from './world.js';

/**
 * One request the fuzzer sends, and what it may answer:
 * - `malformed`: at least one part of the input breaks the operation's schema, or the body cannot
 *   be read at all (not JSON, empty, too large, a media type the API does not take): 4xx, JSON.
 * - `badCredentials`: the credential the operation needs is missing or wrong: 4xx (401 for keys).
 * - `crossSite`: a state-changing request from another site, with valid credentials: 403 ERR_CSRF.
 * - `formBadCsrf`: a form posted without its CSRF token, or with a wrong one: 403, HTML.
 * - `formMalformed`: a form with its valid CSRF token and at least one field broken: 4xx, HTML.
 * - `formCrossSite`: a form with its token, from another site: 403, HTML.
 * - `pageRead`: a page read with a query of junk: anything but a 5xx, a page when it refuses.
 */
export type Family =
  'malformed' | 'badCredentials' | 'crossSite' | 'formBadCsrf' | 'formMalformed' | 'formCrossSite' | 'pageRead';

export interface FuzzCase {
  family: Family;
  /** The operation or form: `POST /api/v1/sign-in`, `form POST /account/password (session)`. */
  target: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** What was done to the request, for a failure's message. */
  note: string;
  /**
   * What it may answer: `refusal` a 4xx; `read` anything but a 5xx (a GET with nothing invalid);
   * `alike` anything but a 5xx, for operations that answer a missing credential as they answer
   * any other (the document names no 401 for them). Either way nothing may change.
   */
  accept: 'refusal' | 'read' | 'alike';
  /** The statuses it must answer with, where the family decides: 403 for another site. */
  statuses?: number[];
}

// ---------------------------------------------------------------------------------------------
// Values

/** encodeURIComponent, with lone surrogates (which it refuses) as U+FFFD, as browsers send them. */
export function escaped(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

/** Strings that have broken parsers before: empty, invisible, control characters, injections, lookalikes. */
const nastyStrings = [
  '',
  ' ',
  '\t\n',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF\uD800',
  '\u202Eevil',
  '\uFEFF',
  '\u200B',
  '👩‍👩‍👧‍👦',
  'Ω≈ç√∫˜µ≤≥÷',
  'ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ',
  'ada@example.com\u0000',
  'ADA@EXAMPLE.COM',
  "'; drop table users; --",
  '" or 1=1 --',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%E0%A4%A',
  '${7*7}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '0x10',
  'true',
  '[]',
  '{}',
  'http://evil.example/',
  'javascript:alert(1)',
  '//evil.example',
  '\\\\evil.example',
];

const hugeString = fc
  .tuple(fc.constantFrom('a', 'é', '💥', '\u0000', ' ', '0', '%', '<'), fc.integer({ min: 257, max: 20_000 }))
  .map(([unit, times]) => unit.repeat(times));

export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: hugeString },
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, -0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 31, -(2 ** 63)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  anyString,
);

/** Deeply nested arrays or objects, which recursive validators and walkers have choked on. */
const deep = fc.tuple(fc.integer({ min: 20, max: 600 }), fc.boolean()).map(([depth, asObject]) => {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = asObject ? { a: value } : [value];
  return value;
});

/** Any JSON value, biased toward the ones that break things. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: leaf },
  { weight: 2, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  {
    weight: 2,
    arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...nastyStrings)), leaf, { maxKeys: 4 }),
  },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------------------------------------
// Schemas: a valid value, and mutations of it that break the schema

const validators = new WeakMap<Schema, ValidateFunction>();
const plainAjv = new Ajv2020({ strict: false, validateFormats: false });
const coercingAjv = new Ajv2020({ strict: false, validateFormats: false, coerceTypes: true });

/** Whether `value` satisfies `schema` as the document states it (path parameters coerced, as Fastify does). */
export function satisfies(schema: Schema, value: unknown, coerce = false): boolean {
  const ajv = coerce ? coercingAjv : plainAjv;
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  return validate(coerce ? structuredClone(value) : value);
}

const candidateStrings = ['ada-fuzz', 'fuzz@example.com', '123456', 'A1b2C3d4', '+447400123456', 'public-key', 'x'];

/** A value `schema` accepts, built the same way every time; names of known ids take the world's. */
export function sample(schema: Schema, known: Record<string, string> = {}, name?: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return sample(variants.find((variant) => variant.type !== 'null') ?? variants[0]!, known, name);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sample(part, known) as object));
  const type = [schema.type ?? 'object'].flat()[0];
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const key of schema.required ?? []) value[key] = sample(schema.properties?.[key] ?? {}, known, key);
      return value;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}, known));
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? Infinity;
      const fits = (text: string) =>
        text.length >= min && text.length <= max && (!schema.pattern || new RegExp(schema.pattern, 'u').test(text));
      const own = name ? known[name] : undefined;
      if (own !== undefined && fits(own)) return own;
      const found = [...candidateStrings, 'a'.repeat(Math.max(min, 1))].find(fits);
      return found ?? 'a'.repeat(Math.max(min, 1));
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.maximum !== undefined ? Math.min(schema.maximum, 1) : 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return null;
  }
}

interface SchemaPath {
  path: string[];
  schema: Schema;
  required: boolean;
}

/** Every property the schema names, nested, with its own schema and whether its parent requires it. */
function schemaPaths(schema: Schema, prefix: string[] = [], depth = 0): SchemaPath[] {
  if (depth > 3) return [];
  const objects = [schema, ...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].filter(
    (candidate) => candidate.properties,
  );
  return objects.flatMap((object) =>
    Object.entries(object.properties!).flatMap(([key, property]) => [
      { path: [...prefix, key], schema: property, required: object.required?.includes(key) ?? false },
      ...schemaPaths(property, [...prefix, key], depth + 1),
    ]),
  );
}

function typeOf(schema: Schema): string | undefined {
  if (schema.type) return [schema.type].flat()[0];
  const variant = (schema.anyOf ?? schema.oneOf)?.find((candidate) => candidate.type && candidate.type !== 'null');
  return variant ? typeOf(variant) : undefined;
}

/** A value of another JSON type than the schema's. */
function wrongType(schema: Schema): fc.Arbitrary<unknown> {
  const type = typeOf(schema);
  const byType: Record<string, fc.Arbitrary<unknown>> = {
    string: anyString,
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    integer: fc.integer(),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(leaf, { maxLength: 3 }),
    object: fc.dictionary(fc.string({ maxLength: 6 }), leaf, { maxKeys: 3 }),
  };
  const others = Object.entries(byType)
    .filter(([name]) => name !== type && !(type === 'number' && name === 'integer') && !(type === 'integer' && name === 'number'))
    .map(([, arbitrary]) => arbitrary);
  return fc.oneof(...others);
}

/** Values that break this property's own constraints: too long, too short, off the pattern, out of range, not listed. */
function brokenValue(schema: Schema): fc.Arbitrary<unknown> {
  const breaks: fc.Arbitrary<unknown>[] = [wrongType(schema), anyJson];
  if (schema.maxLength !== undefined) {
    breaks.push(
      fc
        .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('a', '1', 'é', ' '))
        .map(([extra, unit]) => unit.repeat(schema.maxLength! + extra)),
    );
  }
  if (schema.minLength) breaks.push(fc.constant(''), fc.constant('a'.repeat(schema.minLength - 1)));
  if (schema.pattern) breaks.push(anyString.filter((text) => !new RegExp(schema.pattern!, 'u').test(text)));
  if (schema.enum) breaks.push(anyString.filter((text) => !schema.enum!.includes(text)));
  if (schema.minimum !== undefined) breaks.push(fc.constantFrom(schema.minimum - 1, schema.minimum - 0.5, -1e308));
  if (schema.maximum !== undefined) breaks.push(fc.constantFrom(schema.maximum + 1, schema.maximum + 0.5, 1e308));
  if (typeOf(schema) === 'integer') breaks.push(fc.constantFrom(1.5, 0.1, '1', '20'));
  return fc.oneof(...breaks);
}

function withValueAt(value: unknown, path: string[], replacement: unknown | typeof absent): unknown {
  if (path.length === 0) return replacement === absent ? undefined : replacement;
  const copy: Record<string, unknown> =
    value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0 && replacement === absent) delete copy[head];
  else
    Object.defineProperty(copy, head, {
      value: withValueAt(copy[head], rest, replacement),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

const absent = Symbol('absent');

/**
 * Mutations of a valid value of `schema`: properties replaced by broken values or other types,
 * required ones removed, unknown ones added, or the whole value replaced. Some of them happen to
 * satisfy the schema; callers keep only those that do not.
 */
export function mutated(schema: Schema, known: Record<string, string>): fc.Arbitrary<unknown> {
  const base = sample(schema, known);
  const paths = schemaPaths(schema);
  const propertyMutation: fc.Arbitrary<(value: unknown) => unknown> =
    paths.length === 0
      ? fc.constant((value: unknown) => value)
      : fc.integer({ min: 0, max: paths.length - 1 }).chain((index) => {
          const { path, schema: property, required } = paths[index]!;
          const changes: fc.Arbitrary<(value: unknown) => unknown>[] = [
            brokenValue(property).map((replacement) => (value: unknown) => withValueAt(value, path, replacement)),
          ];
          if (required) changes.push(fc.constant((value: unknown) => withValueAt(value, path, absent)));
          return fc.oneof(...changes);
        });
  const extraKeys = fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...nastyStrings)), anyJson, {
    minKeys: 1,
    maxKeys: 3,
  });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .array(propertyMutation, { minLength: 1, maxLength: 3 })
        .map((changes) => changes.reduce((value, change) => change(value), base)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(propertyMutation, extraKeys).map(([change, extra]) => {
        const changed = change(base);
        return changed !== null && typeof changed === 'object' && !Array.isArray(changed) ? { ...extra, ...changed } : changed;
      }),
    },
    { weight: 2, arbitrary: anyJson },
  );
}

// ---------------------------------------------------------------------------------------------
// Bodies: how the value travels, and what Fastify makes of it

/**
 * What reaches the route: `unreadable` when Fastify refuses the body before validation (not
 * JSON, empty JSON, too large, an unsupported media type), otherwise the parsed body (undefined
 * for none).
 */
type Parsed = { unreadable: true } | { unreadable: false; body: unknown };

interface Encoded {
  payload?: string | Buffer;
  contentType?: string;
  parsed: Parsed;
  note: string;
}

/** secure-json-parse, as Fastify uses it: `__proto__` keys and `constructor.prototype` are refused. */
export function fastifyJsonParse(text: string): Parsed {
  if (text.length === 0) return { unreadable: true };
  let body: unknown;
  try {
    // secure-json-parse drops a byte order mark.
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { unreadable: true };
  }
  const poisoned = (value: unknown): boolean =>
    value !== null &&
    typeof value === 'object' &&
    Object.entries(value).some(
      ([key, inner]) =>
        key === '__proto__' ||
        (key === 'constructor' && inner !== null && typeof inner === 'object' && 'prototype' in inner) ||
        poisoned(inner),
    );
  return poisoned(body) ? { unreadable: true } : { unreadable: false, body };
}

const jsonTypes = ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8'];
const unsupportedTypes = [
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'text/csv',
  'image/png',
];

/** How a value is sent: as JSON (also with a key given twice), broken JSON, nothing, text, another media type, huge, bad UTF-8. */
export function encoded(value: unknown): fc.Arbitrary<Encoded> {
  const text = JSON.stringify(value) ?? 'null';
  const json = fc
    .constantFrom(...jsonTypes)
    .map((contentType): Encoded => ({ payload: text, contentType, parsed: fastifyJsonParse(text), note: 'json' }));
  const duplicateKey = fc.tuple(fc.string({ maxLength: 8 }), anyJson).map(([key, first]): Encoded => {
    const raw =
      text.startsWith('{') && text !== '{}'
        ? `{${JSON.stringify(key)}:${JSON.stringify(first) ?? 'null'},${text.slice(1)}`
        : text;
    return { payload: raw, contentType: 'application/json', parsed: fastifyJsonParse(raw), note: 'json with a key given twice' };
  });
  const broken = fc
    .oneof(
      fc.integer({ min: 1, max: Math.max(1, text.length - 1) }).map((cut) => text.slice(0, cut)),
      anyString.map((garbage) => `${text}${garbage}`),
      fc.constantFrom(
        '{',
        '[',
        '{"a":}',
        "{'a':1}",
        '{"a":1,}',
        'NaN',
        'undefined',
        '\u0000',
        '\uFEFF{}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
      ),
    )
    .map((raw): Encoded => ({
      payload: raw,
      contentType: 'application/json',
      parsed: fastifyJsonParse(raw),
      note: 'broken json',
    }));
  const empty = fc.constant<Encoded>({
    payload: '',
    contentType: 'application/json',
    parsed: { unreadable: true },
    note: 'empty json',
  });
  const none = fc.constant<Encoded>({ parsed: { unreadable: false, body: undefined }, note: 'no body' });
  const plain = anyString
    .filter((raw) => raw.length > 0)
    .map((raw): Encoded => ({
      payload: raw,
      contentType: 'text/plain',
      parsed: { unreadable: false, body: raw },
      note: 'text/plain',
    }));
  const unsupported = fc
    .tuple(
      fc.constantFrom(...unsupportedTypes),
      fc.oneof(
        fc.constant(text),
        anyString.filter((raw) => raw.length > 0),
      ),
    )
    .map(([contentType, raw]): Encoded => ({
      payload: raw.length > 0 ? raw : 'x',
      contentType,
      parsed: { unreadable: true },
      note: contentType,
    }));
  const huge = fc.constantFrom('a', 'é').map((unit): Encoded => ({
    payload: JSON.stringify({ a: unit.repeat(70_000) }),
    contentType: 'application/json',
    parsed: { unreadable: true },
    note: 'over the body limit',
  }));
  const badUtf8 = fc
    .constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]))
    .map((bytes): Encoded => {
      const raw = Buffer.concat([
        Buffer.from(text.startsWith('{"') ? `{"` : '"'),
        bytes,
        Buffer.from(text.startsWith('{"') ? text.slice(2) : '"'),
      ]);
      return { payload: raw, contentType: 'application/json', parsed: fastifyJsonParse(raw.toString('utf8')), note: 'bad utf-8' };
    });
  return fc.oneof(
    { weight: 12, arbitrary: json },
    { weight: 2, arbitrary: duplicateKey },
    { weight: 2, arbitrary: broken },
    { weight: 1, arbitrary: empty },
    { weight: 1, arbitrary: none },
    { weight: 1, arbitrary: plain },
    { weight: 2, arbitrary: unsupported },
    { weight: 1, arbitrary: huge },
    { weight: 1, arbitrary: badUtf8 },
  );
}

/** Whether the route would run its handler on this body with its schema (none: any body). */
function bodyAccepted(operation: Operation, parsed: Parsed): boolean {
  if (parsed.unreadable) return false;
  if (parsed.body === undefined) return !operation.bodyRequired;
  return operation.body ? satisfies(operation.body, parsed.body) : true;
}

// ---------------------------------------------------------------------------------------------
// URLs

/** A path parameter: a valid value, a broken one, or one the router itself refuses. */
function parameterValue(schema: Schema, valid: string): fc.Arbitrary<{ raw: string; value: string | undefined }> {
  const ordinary = fc.oneof(
    fc.constant(valid),
    anyString.filter((text) => text.length > 0 && text.length < 90),
    brokenValue(schema).filter(
      (value) => typeof value === 'string' && value.length > 0 && value.length < 90,
    ) as fc.Arbitrary<string>,
  );
  return fc.oneof(
    { weight: 6, arbitrary: ordinary.map((value) => ({ raw: escaped(value), value })) },
    // The router answers these before any route: a bad escape, or a parameter over its 100 characters.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('%E0%A4%A', '%', '%zz', '%C0%AF', 'a%00b')
        .map((raw) => ({ raw, value: raw.includes('%00') ? 'a\u0000b' : undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 101, max: 3000 }).map((length) => ({ raw: 'a'.repeat(length), value: undefined })),
    },
  );
}

/** Query parameters nobody asked for, repeated, unescaped, huge. */
const junkQuery = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('limit', 'method', 'return_to', 'next', 'action', 'details', '__proto__', 'a[b]', 'a.b'),
            fc.string({ maxLength: 6 }),
          ),
          anyString,
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((pairs) => `?${pairs.map(([key, value]) => `${escaped(key)}=${escaped(value)}`).join('&')}`),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '?limit=1&limit=2',
      '?%',
      '?a=%E0%A4%A',
      '?&&&',
      '?=',
      '?limit',
      '?limit=%00',
      `?x=${'a'.repeat(5000)}`,
      '?limit=-1',
      '?limit=1e3',
      '?limit=0x10',
    ),
  },
);

function queryOf(operation: Operation): fc.Arbitrary<{ raw: string; valid: boolean }> {
  if (!operation.query) return junkQuery.map((raw) => ({ raw, valid: true }));
  const query = operation.query;
  const own = fc.oneof(
    fc.constant(sample(query) as Record<string, unknown>),
    mutated(query, {}).filter((value) => value !== null && typeof value === 'object' && !Array.isArray(value)) as fc.Arbitrary<
      Record<string, unknown>
    >,
  );
  return fc.oneof(
    own.map((values) => {
      const pairs = Object.entries(values).map(
        ([key, value]) => `${escaped(key)}=${escaped(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))}`,
      );
      const coerced = Object.fromEntries(
        Object.entries(values).map(([key, value]) => [key, typeof value === 'string' ? value : (JSON.stringify(value) ?? '')]),
      );
      return { raw: pairs.length ? `?${pairs.join('&')}` : '', valid: satisfies(query, coerced, true) };
    }),
    // Repeated and unescaped parameters are read by the query parser, not by the fuzzer: treat them as valid.
    junkQuery.map((raw) => ({ raw, valid: true })),
  );
}

// ---------------------------------------------------------------------------------------------
// Credentials and headers

type Identity = 'session' | 'pending' | 'apiKey' | 'none' | 'all';

const cookieNames = { session: 'tessera_session', pending: 'tessera_pending', csrf: 'tessera_csrf', device: 'tessera_device' };

/** Junk for a cookie's value: random, near-miss tokens, bad escapes, huge. */
function badToken(real: string | undefined): fc.Arbitrary<string> {
  const printable = fc.string({
    unit: fc
      .integer({ min: 0x21, max: 0x7e })
      .map((code) => String.fromCharCode(code))
      .filter((char) => char !== ';' && char !== ','),
    maxLength: 60,
  });
  const nearMiss = real
    ? [
        fc
          .integer({ min: 0, max: real.length - 1 })
          .map((index) => real.slice(0, index) + (real[index] === 'A' ? 'B' : 'A') + real.slice(index + 1)),
        fc.constant(real.slice(0, -1)),
        fc.constant(`${real}x`),
        fc.constant(real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase()),
        fc.constant(escaped(`${real} `)),
      ]
    : [];
  return fc
    .oneof(
      printable,
      fc.constantFrom('', '%', '%E0%A4%A', '%00', '""', '"unterminated', 'null', '[]', '{}', 'a=b=c'),
      fc.integer({ min: 500, max: 9000 }).map((length) => 'A'.repeat(length)),
      ...nearMiss,
    )
    .filter((value) => value !== real);
}

function cookieHeader(pairs: [string, string][], raw = false): string {
  return pairs.map(([name, value]) => `${name}=${raw ? value : escaped(value)}`).join('; ');
}

/** Cookies that stand beside the real ones: unknown names, duplicates, broken syntax. */
const junkCookies = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ';;;',
      '=',
      '==;=',
      'tessera_session',
      'tessera_session=',
      '__Host-tessera_session=x',
      'a=%E0%A4%A',
      `big=${'b'.repeat(8000)}`,
      'tessera_csrf=x; tessera_csrf=y',
      ' ; ;x',
    ),
  },
);

interface Credentials {
  cookies: [string, string][];
  authorization?: string;
  extraCookies: string;
  note: string;
}

/** The real credentials of an identity, plus the CSRF cookie, for the malformed and cross-site families. */
function realCredentials(world: FuzzWorld, identity: Identity): Credentials {
  const jar = (holder: Holder) => [...world.jars[holder].cookies.entries()];
  const cookies: [string, string][] =
    identity === 'session'
      ? jar('session')
      : identity === 'pending'
        ? jar('pending')
        : identity === 'all'
          ? [...jar('session'), ...jar('pending').filter(([name]) => name === cookieNames.pending)]
          : [];
  return {
    cookies,
    ...(identity === 'apiKey' || identity === 'all' ? { authorization: `Bearer ${world.apiKey}` } : {}),
    extraCookies: '',
    note: identity,
  };
}

function identityFor(operation: Operation): fc.Arbitrary<Identity> {
  const own: Identity =
    operation.credential === 'session'
      ? 'session'
      : operation.credential === 'pendingSignIn'
        ? 'pending'
        : operation.credential === 'apiKey'
          ? 'apiKey'
          : 'none';
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(own) },
    { weight: 2, arbitrary: fc.constantFrom<Identity>('session', 'pending', 'apiKey', 'none', 'all') },
  );
}

/** The credentials of `identity`, with junk beside them, some of them broken: for inputs that are malformed anyway. */
function anyCredentials(world: FuzzWorld, identity: Identity): fc.Arbitrary<Credentials> {
  const real = realCredentials(world, identity);
  return fc
    .tuple(
      junkCookies,
      fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      badToken(undefined),
    )
    .map(([extraCookies, duplicate, junk]) => ({
      ...real,
      // A cookie given twice: the junk one first.
      cookies:
        duplicate && real.cookies.length > 0 ? [[real.cookies[0]![0], junk] as [string, string], ...real.cookies] : real.cookies,
      extraCookies,
      note: `${real.note}${duplicate ? ', a cookie twice' : ''}${extraCookies ? ', junk cookies' : ''}`,
    }));
}

/** Credentials without the one the operation needs: missing, near misses, junk, other kinds, bad Authorization headers. */
function badCredentials(world: FuzzWorld, operation: Operation): fc.Arbitrary<Credentials> {
  const session = world.jars.session.cookies.get(cookieNames.session);
  const pending = world.jars.pending.cookies.get(cookieNames.pending);
  const keepOthers = (drop: string) => (holder: Holder) =>
    [...world.jars[holder].cookies.entries()].filter(([name]) => name !== drop);
  if (operation.credential === 'apiKey') {
    const [id, secret] = world.apiKey.split('.') as [string, string];
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        '',
        'Bearer',
        'Bearer ',
        `Bearer ${id}`,
        `Bearer ${id}.`,
        `Bearer .${secret}`,
        `bearer ${world.apiKey}`,
        `Basic ${Buffer.from(world.apiKey).toString('base64')}`,
        `Bearer  ${world.apiKey}`,
        `Bearer ${world.apiKey}, Bearer ${world.apiKey}`,
        `Token ${world.apiKey}`,
        `Bearer ${id}.${secret}x`,
        `Bearer ${id}x.${secret}`,
      ),
      badToken(secret).map((wrong) => `Bearer ${id}.${wrong}`),
      badToken(undefined).map((wrong) => `Bearer ${wrong}`),
    );
    return fc
      .tuple(authorization, fc.constantFrom<Holder | 'none'>('session', 'pending', 'none'), junkCookies)
      .map(([header, holder, extraCookies]) => ({
        cookies: holder === 'none' ? [] : [...world.jars[holder].cookies.entries()],
        ...(header !== undefined ? { authorization: header } : {}),
        extraCookies,
        note: `authorization ${JSON.stringify(header?.slice(0, 40))}`,
      }));
  }
  const [name, real, holders] =
    operation.credential === 'session'
      ? [cookieNames.session, session, ['session', 'pending'] as Holder[]]
      : [cookieNames.pending, pending, ['pending', 'session'] as Holder[]];
  const others = fc.constantFrom(...holders, 'anonymous' as Holder).map(keepOthers(name));
  return fc
    .tuple(others, fc.option(badToken(real), { nil: undefined }), fc.boolean(), junkCookies, fc.boolean())
    .map(([cookies, wrong, rawValue, extraCookies, withKey]) => ({
      cookies: wrong === undefined ? cookies : [...cookies, [name, wrong] as [string, string]],
      ...(withKey ? { authorization: `Bearer ${world.apiKey}` } : {}),
      extraCookies: rawValue && wrong !== undefined ? `${name}=${wrong}` : extraCookies,
      note: wrong === undefined ? `no ${name}` : `${name} ${JSON.stringify(wrong.slice(0, 40))}`,
    }));
}

const printableHeader = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

/** The headers besides credentials and the body's type: the same origin mostly, odd user agents and languages. */
function otherHeaders(ownOrigin: string): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      origin: fc.oneof(
        { weight: 8, arbitrary: fc.constant(ownOrigin) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('null', 'https://evil.example', `${ownOrigin}.evil.example`, `${ownOrigin}, ${ownOrigin}`),
        },
      ),
      'sec-fetch-site': fc.constantFrom('same-origin', 'none'),
      'user-agent': fc.oneof(
        printableHeader,
        fc.constantFrom(
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
          '',
          'curl/8.0',
        ),
        fc.integer({ min: 1000, max: 10_000 }).map((length) => 'U'.repeat(length)),
      ),
      'accept-language': fc.oneof(
        printableHeader,
        fc.constantFrom('*', 'en-GB,en;q=0.9', 'xx-YY;q=abc', ',,,', 'de-DE-u-co-phonebk'),
      ),
      accept: fc.constantFrom('*/*', 'application/json', 'text/html', 'image/webp', ''),
      'x-forwarded-for': fc.oneof(printableHeader, fc.constantFrom('1.2.3.4', '::1', '999.999.999.999', 'unknown')),
      'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown'),
    },
    { requiredKeys: [] },
  );
}

function headersOf(
  credentials: Credentials,
  other: Record<string, string>,
  contentType: string | undefined,
): Record<string, string> {
  const cookie = [cookieHeader(credentials.cookies), credentials.extraCookies].filter(Boolean).join('; ');
  return {
    ...other,
    ...(cookie ? { cookie } : {}),
    ...(credentials.authorization !== undefined ? { authorization: credentials.authorization } : {}),
    ...(contentType ? { 'content-type': contentType } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Cases for the API

function knownIds(world: FuzzWorld): Record<string, string> {
  return { factorId: world.ids.factorId, id: world.ids.sessionId, externalId: world.ids.externalId };
}

function urlOf(
  operation: Operation,
  world: FuzzWorld,
): fc.Arbitrary<{ path: string; valid: boolean; routed: boolean; note: string }> {
  const names = Object.keys(operation.params?.properties ?? {});
  if (names.length === 0) return fc.constant({ path: operation.path, valid: true, routed: true, note: '' });
  const known = knownIds(world);
  return fc
    .tuple(...names.map((name) => parameterValue(operation.params!.properties![name]!, known[name] ?? 'x')))
    .map((values) => {
      let path = operation.path;
      const decoded: Record<string, string> = {};
      let routed = true;
      names.forEach((name, index) => {
        const { raw, value } = values[index]!;
        path = path.replace(`{${name}}`, raw);
        if (value === undefined) routed = false;
        else decoded[name] = value;
      });
      const valid = routed && satisfies(operation.params!, decoded, true);
      return { path, valid, routed, note: `params ${JSON.stringify(values.map(({ raw }) => raw.slice(0, 40)))}` };
    });
}

/** Requests for one operation whose input is malformed somewhere: body, parameters or query. */
function malformedCase(world: FuzzWorld, operation: Operation): fc.Arbitrary<FuzzCase> {
  const bodyValue = operation.body ? mutated(operation.body, knownIds(world)) : anyJson;
  const body = bodyValue.chain((value) => encoded(value));
  const read = operation.method === 'GET';
  return fc
    .tuple(
      urlOf(operation, world),
      queryOf(operation),
      body,
      identityFor(operation).chain((identity) => anyCredentials(world, identity)),
      otherHeaders(world.server.config.server.publicUrl),
    )
    .filter(([url, query, encodedBody]) => read || !url.valid || !query.valid || !bodyAccepted(operation, encodedBody.parsed))
    .map(([url, query, encodedBody, credentials, other]): FuzzCase => ({
      family: 'malformed',
      target: `${operation.method} ${operation.path}`,
      method: operation.method,
      url: url.path + query.raw,
      // A GET's body is not read; it is sent anyway.
      headers: headersOf(credentials, other, encodedBody.contentType),
      ...(encodedBody.payload !== undefined ? { payload: encodedBody.payload } : {}),
      note: [credentials.note, encodedBody.note, url.note, query.raw && `query ${query.raw.slice(0, 60)}`]
        .filter(Boolean)
        .join('; '),
      accept: read && url.valid && query.valid ? 'read' : 'refusal',
    }));
}

/** A valid request for the operation but for its credential, which is missing or wrong. */
function badCredentialsCase(world: FuzzWorld, operation: Operation): fc.Arbitrary<FuzzCase> {
  const valid = operation.body ? sample(operation.body, knownIds(world)) : undefined;
  const body = fc.oneof(
    { weight: 3, arbitrary: fc.constant(valid) },
    { weight: 1, arbitrary: operation.body ? mutated(operation.body, knownIds(world)) : fc.constant(undefined) },
  );
  // The router refuses a bad escape or an overlong parameter before any credential is read.
  const routed = urlOf(operation, world).filter((url) => url.routed);
  const alike = !operation.statuses.includes(401);
  return fc
    .tuple(routed, body, badCredentials(world, operation), otherHeaders(world.server.config.server.publicUrl))
    .map(([url, value, credentials, other]): FuzzCase => {
      const payload = value === undefined ? undefined : JSON.stringify(value);
      return {
        family: 'badCredentials',
        target: `${operation.method} ${operation.path}`,
        method: operation.method,
        url: url.path,
        headers: headersOf(
          credentials,
          { ...other, origin: world.server.config.server.publicUrl },
          payload === undefined ? undefined : 'application/json',
        ),
        ...(payload !== undefined ? { payload } : {}),
        note: `${credentials.note}; ${url.note}`,
        accept: alike ? 'alike' : 'refusal',
        // A key is checked before anything else.
        ...(operation.credential === 'apiKey' ? { statuses: [401] } : {}),
      };
    });
}

const foreignOrigins = (own: string) => [
  'https://evil.example',
  'null',
  `${own}.evil.example`,
  own.replace('localhost', '127.0.0.1'),
  own.toUpperCase(),
  `${own}/`,
  `${own}:80`,
  'http://localhost',
];

/** A valid request with valid credentials, from another site. */
function crossSiteCase(world: FuzzWorld, operation: Operation): fc.Arbitrary<FuzzCase> {
  const own = world.server.config.server.publicUrl.replace(/\/$/, '');
  const body = operation.body ? sample(operation.body, knownIds(world)) : undefined;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const site = fc.oneof(
    fc.constantFrom(...foreignOrigins(own)).map((origin) => ({ origin })),
    fc.constantFrom('cross-site', 'same-site').map((fetchSite) => ({ origin: own, 'sec-fetch-site': fetchSite })),
    fc.constantFrom('cross-site', 'same-site').map((fetchSite) => ({ 'sec-fetch-site': fetchSite })),
  );
  const identity: Identity =
    operation.credential === 'session'
      ? 'session'
      : operation.credential === 'pendingSignIn'
        ? 'pending'
        : operation.credential === 'apiKey'
          ? 'apiKey'
          : 'none';
  return fc
    .tuple(
      urlOf(operation, world).filter((url) => url.valid),
      site,
    )
    .map(([url, headers]): FuzzCase => ({
      family: 'crossSite',
      target: `${operation.method} ${operation.path}`,
      method: operation.method,
      url: url.path,
      headers: headersOf(realCredentials(world, identity), headers, payload === undefined ? undefined : 'application/json'),
      ...(payload !== undefined ? { payload } : {}),
      note: JSON.stringify(headers),
      accept: 'refusal',
      statuses: [403],
    }));
}

// ---------------------------------------------------------------------------------------------
// Cases for the forms

/** A value the field might plausibly hold, never a real secret: the page's own value, or one of its type. */
function plausible(field: FormField): fc.Arbitrary<string> {
  const byType: Record<string, string[]> = {
    email: ['someone@example.com', 'fuzz@example.com'],
    password: ['not the password', 'hunter2hunter2'],
    tel: ['+447400123456', '07400 123456'],
    checkbox: ['on'],
  };
  const filled = field.values.filter((value) => value !== '');
  return fc.constantFrom(...filled, ...(byType[field.type] ?? ['123456', 'A label', '000000']));
}

type FieldValue = string | string[] | unknown;

/** Values that break a field: missing, empty, blank, given twice, over its length, not an address, off its choices. */
function brokenField(field: FormField, json: boolean): fc.Arbitrary<FieldValue | typeof absent> {
  // A blank password is a password (a wrong one); blank anything else is nothing.
  const blank = field.type === 'password' ? fc.constant('') : fc.constantFrom('', '   ', '\t');
  const breaks: fc.Arbitrary<FieldValue | typeof absent>[] = [
    fc.constant(absent),
    blank,
    fc.tuple(plausible(field), anyString).map(([a, b]) => [a, b]),
  ];
  // Over the page's maxlength is not enough: the server's bound may be looser (a 7-digit code is
  // still a code, a wrong one). Over 4096 is over every bound the server has.
  const over = Math.max(field.maxLength ?? 0, 4096) + 1;
  breaks.push(fc.integer({ min: over, max: over + 2000 }).map((length) => 'a'.repeat(length)));
  if (field.type === 'email') breaks.push(fc.constantFrom('not-an-address', '@', 'a@', 'a@b', 'a b@example.com'));
  if (field.type === 'url')
    breaks.push(fc.constantFrom('not a url', 'javascript:alert(1)', 'http://', '//evil.example', 'ftp://example.com/'));
  if (field.type === 'checkbox') breaks.push(fc.constantFrom('off', 'true', '1', 'yes'));
  if (json) breaks.push(wrongType({ type: 'string' }));
  return fc.oneof(...breaks);
}

/** Whether breaking this field makes the form certainly invalid: the page requires it. */
const breakable = (field: FormField) => field.required;

/** The app's bodyLimit. */
const bodyLimit = 64 * 1024;

interface FormBody {
  payload: string;
  contentType: string;
  note: string;
}

function formBody(fields: Record<string, FieldValue>, csrf: FieldValue | typeof absent, asJson: boolean): FormBody {
  const entries: [string, FieldValue][] = [
    ...(csrf === absent ? [] : [['_csrf', csrf] as [string, FieldValue]]),
    ...Object.entries(fields),
  ];
  if (asJson) {
    const object: Record<string, unknown> = {};
    for (const [name, value] of entries) Object.defineProperty(object, name, { value, enumerable: true });
    return { payload: JSON.stringify(object), contentType: 'application/json', note: 'as json' };
  }
  const params = new URLSearchParams();
  for (const [name, value] of entries)
    for (const one of [value].flat()) params.append(name, typeof one === 'string' ? one : (JSON.stringify(one) ?? ''));
  return { payload: params.toString(), contentType: 'application/x-www-form-urlencoded', note: 'form' };
}

function formTarget(form: Form): string {
  return `form POST ${form.action.replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, '/:id')} (${form.holder})`;
}

/** Fields filled plausibly or with junk, the page's own values sometimes left out. */
function filledFields(form: Form, json: boolean): fc.Arbitrary<Record<string, FieldValue>> {
  if (form.fields.length === 0) return fc.constant({});
  return fc
    .tuple(
      ...form.fields.map((field) =>
        fc.oneof(
          { weight: 4, arbitrary: plausible(field) as fc.Arbitrary<FieldValue> },
          { weight: 1, arbitrary: json ? anyJson : anyString },
          { weight: 1, arbitrary: fc.constant(absent) as fc.Arbitrary<FieldValue> },
        ),
      ),
    )
    .map((values) => {
      const fields: Record<string, FieldValue> = {};
      form.fields.forEach((field, index) => {
        if (values[index] !== absent) fields[field.name] = values[index];
      });
      return fields;
    });
}

/** The holder's cookies as its browser sends them. */
function holderCookies(world: FuzzWorld, holder: Holder): [string, string][] {
  return [...world.jars[holder].cookies.entries()];
}

/** A form of a page with its CSRF token missing or wrong, or without the cookie the token belongs to. */
function formBadCsrfCase(world: FuzzWorld, form: Form): fc.Arbitrary<FuzzCase> {
  const token = world.jars[form.holder].csrf;
  const others = (['session', 'pending', 'anonymous'] as const)
    .filter((holder) => holder !== form.holder)
    .map((holder) => world.jars[holder].csrf);
  const wrongToken = fc.oneof(
    fc.constant(absent),
    badToken(token),
    fc.constantFrom(...others),
    fc.constant([token, token]),
    fc.constant([token, 'x']),
    fc.constant(['x', token]),
  );
  const cookieChange = fc.constantFrom('keep', 'keep', 'keep', 'drop', 'garble');
  return fc.tuple(fc.boolean(), wrongToken, cookieChange, junkCookies).chain(([asJson, csrf, change, extraCookies]) =>
    filledFields(form, asJson).map((fields): FuzzCase => {
      // The token is never the page's own as it stands: missing, wrong, another browser's, or given twice.
      const sent = holderCookies(world, form.holder).flatMap(([name, value]): [string, string][] => {
        if (name !== cookieNames.csrf || change === 'keep') return [[name, value]];
        return change === 'drop' ? [] : [[name, `${value}x`]];
      });
      const body = formBody(fields as Record<string, FieldValue>, csrf, asJson);
      return {
        family: 'formBadCsrf',
        target: formTarget(form),
        method: 'POST',
        url: form.action,
        headers: {
          origin: world.server.config.server.publicUrl,
          'content-type': body.contentType,
          cookie: [cookieHeader(sent), extraCookies].filter(Boolean).join('; '),
        },
        payload: body.payload,
        note: `${body.note}; _csrf ${csrf === absent ? 'missing' : JSON.stringify(csrf).slice(0, 50)}; csrf cookie ${change}`,
        accept: 'refusal',
        // The body is read before the token is checked: one too large, or JSON Fastify refuses, is refused first.
        statuses: [
          Buffer.byteLength(body.payload) > bodyLimit ? 413 : asJson && fastifyJsonParse(body.payload).unreadable ? 400 : 403,
        ],
      };
    }),
  );
}

/**
 * A form, with its valid token, in a body the pages do not read as a form: text (a string, so no
 * token: 403), or a media type they have no parser for (415).
 */
function formMediaTypeCase(world: FuzzWorld, form: Form): fc.Arbitrary<FuzzCase> {
  const mediaType = fc.constantFrom(
    'text/plain',
    'text/plain; charset=utf-8',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/octet-stream',
    'application/x-www-form-urlencoded-x',
  );
  return fc.tuple(mediaType, filledFields(form, false)).map(([contentType, fields]): FuzzCase => {
    const body = formBody(fields as Record<string, FieldValue>, world.jars[form.holder].csrf, false);
    const text = contentType.startsWith('text/plain');
    return {
      family: 'formBadCsrf',
      target: formTarget(form),
      method: 'POST',
      url: form.action,
      headers: {
        origin: world.server.config.server.publicUrl,
        'content-type': contentType,
        cookie: cookieHeader(holderCookies(world, form.holder)),
      },
      payload: body.payload,
      note: `form as ${contentType}`,
      accept: 'refusal',
      // Without a parser the body is not even read, so its size does not matter.
      statuses: [!text ? 415 : Buffer.byteLength(body.payload) > bodyLimit ? 413 : 403],
    };
  });
}

/** A form with its valid CSRF token and at least one field it requires broken. */
function formMalformedCase(world: FuzzWorld, form: Form): fc.Arbitrary<FuzzCase> | undefined {
  const required = form.fields.filter(breakable);
  if (required.length === 0) return undefined;
  return fc
    .tuple(
      fc.boolean(),
      fc.integer({ min: 0, max: required.length - 1 }),
      otherHeaders(world.server.config.server.publicUrl),
      junkCookies,
    )
    .chain(([asJson, index, other, extraCookies]) =>
      fc.tuple(filledFields(form, asJson), brokenField(required[index]!, asJson)).map(([fields, broken]): FuzzCase => {
        const field = required[index]!;
        const all: Record<string, FieldValue> = { ...(fields as Record<string, FieldValue>) };
        if (broken === absent) delete all[field.name];
        else all[field.name] = broken;
        const body = formBody(all, world.jars[form.holder].csrf, asJson);
        return {
          family: 'formMalformed',
          target: formTarget(form),
          method: 'POST',
          url: form.action,
          headers: {
            ...other,
            origin: world.server.config.server.publicUrl,
            'content-type': body.contentType,
            cookie: [cookieHeader(holderCookies(world, form.holder)), extraCookies].filter(Boolean).join('; '),
          },
          payload: body.payload,
          note: `${body.note}; ${field.name} ${broken === absent ? 'missing' : JSON.stringify(broken).slice(0, 60)}`,
          accept: 'refusal',
        };
      }),
    );
}

/** A form with its valid CSRF token and plausible fields, from another site. */
function formCrossSiteCase(world: FuzzWorld, form: Form): fc.Arbitrary<FuzzCase> {
  const own = world.server.config.server.publicUrl.replace(/\/$/, '');
  const site = fc.oneof(
    fc.constantFrom(...foreignOrigins(own)).map((origin) => ({ origin })),
    fc.constantFrom('cross-site', 'same-site').map((fetchSite) => ({ 'sec-fetch-site': fetchSite })),
  );
  return fc.tuple(site, filledFields(form, false)).map(([headers, fields]): FuzzCase => {
    const body = formBody(fields as Record<string, FieldValue>, world.jars[form.holder].csrf, false);
    return {
      family: 'formCrossSite',
      target: formTarget(form),
      method: 'POST',
      url: form.action,
      headers: { ...headers, 'content-type': body.contentType, cookie: cookieHeader(holderCookies(world, form.holder)) },
      payload: body.payload,
      note: JSON.stringify(headers),
      accept: 'refusal',
      statuses: [403],
    };
  });
}

/** The names pages read from their queries, and some they do not. */
const pageQueryNames = [
  'method',
  'action',
  'details',
  'return_to',
  'request',
  'c',
  't',
  'q',
  'type',
  'outcome',
  'days',
  'person',
  'next',
  'done',
  'with',
  'grant',
  'state',
  'error',
  'code',
  '__proto__',
  'a[]',
];

/** A page read with a query of junk, maybe repeated, in its own browser or with broken cookies: anything but a 5xx. */
function pageReadCase(world: FuzzWorld, page: { holder: Holder; path: string }): fc.Arbitrary<FuzzCase> {
  const pairs = fc.array(fc.tuple(fc.constantFrom(...pageQueryNames), anyString), { minLength: 1, maxLength: 5 });
  const query = fc.oneof(
    {
      weight: 5,
      arbitrary: pairs.map((entries) => `?${entries.map(([key, value]) => `${escaped(key)}=${escaped(value)}`).join('&')}`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '?%',
        '?c=%E0%A4%A&t=%',
        '?method=totp&method=recovery',
        '?request=a.b.c',
        `?request=${'a'.repeat(9000)}`,
        '?return_to=%2F%2Fevil.example',
        '?days=-1',
        '?days=1e400',
      ),
    },
  );
  const cookies = fc.oneof(
    { weight: 4, arbitrary: fc.constant(holderCookies(world, page.holder)) },
    {
      weight: 1,
      arbitrary: badToken(undefined).map((junk): [string, string][] => [
        [cookieNames.session, junk],
        [cookieNames.pending, junk],
      ]),
    },
  );
  return fc.tuple(query, cookies, junkCookies).map(([raw, pairsOfCookies, extraCookies]): FuzzCase => ({
    family: 'pageRead',
    target: `GET ${page.path} (${page.holder})`,
    method: 'GET',
    url: page.path + raw,
    headers: { cookie: [cookieHeader(pairsOfCookies), extraCookies].filter(Boolean).join('; ') },
    note: `query ${raw.slice(0, 80)}`,
    accept: 'read',
  }));
}

// ---------------------------------------------------------------------------------------------

const unsafe = (operation: Operation) => operation.method !== 'GET';

/** Every case the fuzzer draws from: each operation and each form gets its share. */
export function fuzzCase(world: FuzzWorld): fc.Arbitrary<FuzzCase> {
  const api = world.operations.flatMap((operation) => [
    { weight: 8, arbitrary: malformedCase(world, operation) },
    ...(operation.credential !== 'none' ? [{ weight: 2, arbitrary: badCredentialsCase(world, operation) }] : []),
    ...(unsafe(operation) ? [{ weight: 1, arbitrary: crossSiteCase(world, operation) }] : []),
  ]);
  const forms = world.forms.flatMap((form) => {
    const malformed = formMalformedCase(world, form);
    return [
      { weight: 3, arbitrary: formBadCsrfCase(world, form) },
      { weight: 1, arbitrary: formMediaTypeCase(world, form) },
      ...(malformed ? [{ weight: 6, arbitrary: malformed }] : []),
      { weight: 1, arbitrary: formCrossSiteCase(world, form) },
    ];
  });
  const reads = world.pages.map((page) => ({ weight: 1, arbitrary: pageReadCase(world, page) }));
  return fc.oneof(...api, ...forms, ...reads);
}
