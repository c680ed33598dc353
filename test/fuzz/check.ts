import type { LightMyRequestResponse } from 'fastify';
import type { FuzzCase } from './arbitraries.js';
import type { DatabaseSnapshot, FuzzWorld } from './world.js';

/** What the cases answered, by family and status, for the run's summary. */
export class Tally {
  cases = 0;
  readonly statuses = new Map<string, number>();
  readonly targets = new Set<string>();

  count(fuzzCase: FuzzCase, status: number): void {
    this.cases++;
    this.targets.add(fuzzCase.target);
    const key = `${fuzzCase.family} ${status}`;
    this.statuses.set(key, (this.statuses.get(key) ?? 0) + 1);
  }

  summary(): string {
    const rows = [...this.statuses].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${key}: ${n}`);
    return `${this.cases} cases over ${this.targets.size} operations and forms\n  ${rows.join('\n  ')}`;
  }
}

/** The case in a few lines, for a failure's message. */
export function describeCase(fuzzCase: FuzzCase): string {
  const payload = fuzzCase.payload === undefined ? '(none)' : String(fuzzCase.payload);
  const headers = Object.fromEntries(
    Object.entries(fuzzCase.headers).map(([name, value]) => [
      name,
      value.length > 200 ? `${value.slice(0, 200)}… (${value.length})` : value,
    ]),
  );
  return [
    `${fuzzCase.family}: ${fuzzCase.target} — ${fuzzCase.note}`,
    `${fuzzCase.method} ${fuzzCase.url.length > 300 ? `${fuzzCase.url.slice(0, 300)}… (${fuzzCase.url.length})` : fuzzCase.url}`,
    `headers ${JSON.stringify(headers)}`,
    `payload ${payload.length > 400 ? `${payload.slice(0, 400)}… (${payload.length})` : payload}`,
  ].join('\n  ');
}

const sessionCookies = /^(__Host-)?tessera_(session|pending|device)$/;

/** Why the answer is wrong for the case, or undefined. */
export function problemWith(fuzzCase: FuzzCase, response: LightMyRequestResponse): string | undefined {
  const { statusCode: status } = response;
  const type = String(response.headers['content-type'] ?? '');
  if (status >= 500) return `answered ${status}: ${response.body.slice(0, 300)}`;
  if (fuzzCase.statuses && !fuzzCase.statuses.includes(status)) {
    return `answered ${status} instead of ${fuzzCase.statuses.join(' or ')}: ${response.body.slice(0, 300)}`;
  }
  if (status < 400 && fuzzCase.accept === 'refusal')
    return `answered ${status} to a request that should be refused: ${response.body.slice(0, 300)}`;

  for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
    const cleared =
      cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now());
    if (sessionCookies.test(cookie.name) && !cleared) return `set the cookie ${cookie.name}`;
  }

  const api = fuzzCase.url.startsWith('/api/');
  if (api) {
    if (!type.startsWith('application/json'))
      return `answered ${status} with ${type || 'no content type'} instead of JSON: ${response.body.slice(0, 200)}`;
    let body: unknown;
    try {
      body = response.json();
    } catch {
      return `answered ${status} with a body that is not JSON: ${response.body.slice(0, 200)}`;
    }
    if (status >= 400) {
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (
        typeof error?.code !== 'string' ||
        !/^ERR_[A-Z_]+$/.test(error.code) ||
        typeof error.message !== 'string' ||
        error.message === ''
      ) {
        return `answered ${status} without the API's error body: ${response.body.slice(0, 200)}`;
      }
      if (fuzzCase.statuses?.includes(403) && status === 403 && error.code !== 'ERR_CSRF')
        return `refused with ${error.code} instead of ERR_CSRF`;
    }
  } else if (status >= 400 && !type.startsWith('text/html')) {
    return `answered ${status} with ${type || 'no content type'} instead of a page: ${response.body.slice(0, 200)}`;
  }
  // A read shows the session it was made with; anything else must not hand one out.
  if (fuzzCase.accept !== 'read' && (/"grant"\s*:\s*"/.test(response.body) || /"status"\s*:\s*"signed_in"/.test(response.body))) {
    return 'answered with a grant or a session';
  }
  return undefined;
}

/** The tables whose rows differ between two snapshots. */
export function changedTables(before: DatabaseSnapshot, after: DatabaseSnapshot): string[] {
  return Object.keys({ ...before, ...after }).filter((table) => before[table] !== after[table]);
}

/**
 * Sends the case and fails, naming it, on any answer it must not give: a 5xx, an answer that
 * is not a refusal (but for reads), the wrong form of refusal, a session or grant, or a change
 * in the database.
 */
export async function runCase(world: FuzzWorld, fuzzCase: FuzzCase, tally?: Tally): Promise<LightMyRequestResponse> {
  const before = world.snapshot();
  const response = await world.inject({
    method: fuzzCase.method as 'GET',
    url: fuzzCase.url,
    headers: fuzzCase.headers,
    ...(fuzzCase.payload !== undefined ? { payload: fuzzCase.payload } : {}),
  });
  tally?.count(fuzzCase, response.statusCode);
  const problem = problemWith(fuzzCase, response);
  if (problem) throw new Error(`${problem}\n  ${describeCase(fuzzCase)}`);
  const changed = changedTables(before, world.snapshot());
  if (changed.length > 0)
    throw new Error(`changed ${changed.join(', ')} (answered ${response.statusCode})\n  ${describeCase(fuzzCase)}`);
  return response;
}

/** The server still answers, Ada is still signed in, Bo still half-way, and the key still valid. */
export async function assertStillServing(world: FuzzWorld): Promise<void> {
  const cookie = (holder: 'session' | 'pending') =>
    [...world.jars[holder].cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  const health = await world.inject({ url: '/healthz' });
  if (health.statusCode !== 200) throw new Error(`/healthz answered ${health.statusCode}`);
  const me = await world.inject({ url: '/api/v1/me', headers: { cookie: cookie('session') } });
  if (me.statusCode !== 200) throw new Error(`Ada's session is gone: /api/v1/me answered ${me.statusCode}`);
  const challenge = await world.inject({ url: '/sign-in/verify', headers: { cookie: cookie('pending') } });
  if (challenge.statusCode !== 200 || !challenge.body.includes('Two-step verification')) {
    throw new Error(`Bo's pending sign-in is gone: /sign-in/verify answered ${challenge.statusCode}`);
  }
  const exchange = await world.inject({
    method: 'POST',
    url: '/api/v1/host/prompt/exchange',
    headers: { authorization: `Bearer ${world.apiKey}` },
    payload: { code: 'not-a-code' },
  });
  if (exchange.statusCode === 401 || exchange.statusCode === 403 || exchange.statusCode >= 500) {
    throw new Error(`the API key no longer works: the exchange answered ${exchange.statusCode}`);
  }
}
