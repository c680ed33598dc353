import autocannon from 'autocannon';
import { Secret, TOTP } from 'otpauth';

export interface LoadResult {
  /** Successful (2xx) requests per second over the whole run. */
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

export interface VerifyRequest {
  url: string;
  path: string;
  cookie: string;
  secret: string;
  /** JSON body for the code. */
  body: (code: string) => string;
  headers?: Record<string, string>;
}

/**
 * Sends each prepared request once, 50 at a time (by default), computing the TOTP code just
 * before sending, so every code is valid and used once.
 */
export async function runVerifyLoad(requests: VerifyRequest[], connections = 50): Promise<LoadResult> {
  const queue = [...requests];
  const first = requests[0]!;
  const started = performance.now();
  let lastResponse = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: first.url,
        connections,
        amount: requests.length,
        requests: [
          {
            method: 'POST',
            path: first.path,
            setupRequest: (request) => {
              const next = queue.shift()!;
              return {
                ...request,
                headers: { 'content-type': 'application/json', cookie: next.cookie, ...next.headers },
                body: next.body(TOTP.generate({ secret: Secret.fromBase32(next.secret) })),
              };
            },
          },
        ],
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    // autocannon notices that `amount` is reached only on its one-second tick, so its own
    // duration is rounded up to whole seconds; the last response's time is the real end.
    instance.on('response', () => (lastResponse = performance.now()));
  });
  return summarise(result, (lastResponse - started) / 1000);
}

/** A fixed request against one URL for `seconds`, for the bare-route floor. */
export async function runConstantLoad(url: string, seconds: number, connections = 50): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: seconds });
  return summarise(result, (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000);
}

function summarise(result: autocannon.Result, seconds: number): LoadResult {
  const ok = result['2xx'];
  return {
    perSecond: ok / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

/**
 * Full sign-ins (password, then the code) by `concurrency` clients at once, each account once;
 * autocannon cannot chain two requests, so this loop uses fetch with keep-alive.
 */
export async function runFullSignIns(
  url: string,
  users: { email: string; secret: string }[],
  password: string,
  concurrency = 50,
): Promise<LoadResult> {
  const queue = [...users];
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      const begun = performance.now();
      const signIn = await fetch(`${url}/api/v1/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: user.email, password }),
      });
      await signIn.arrayBuffer();
      const pending = signIn.headers
        .getSetCookie()
        .find((cookie) => cookie.startsWith('tessera_pending='))
        ?.split(';')[0];
      if (!pending) {
        failed++;
        continue;
      }
      const verify = await fetch(`${url}/api/v1/sign-in/second-factor`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: pending },
        body: JSON.stringify({ code: TOTP.generate({ secret: Secret.fromBase32(user.secret) }) }),
      });
      await verify.arrayBuffer();
      if (verify.status === 200) latencies.push(performance.now() - begun);
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    p50: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
    p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    ok: latencies.length,
    failed,
  };
}
