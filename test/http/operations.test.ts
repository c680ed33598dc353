import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { capturedLog } from '../support/delivery.js';
import { latestVerificationLink, password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

/** The value of one sample in Prometheus's text format, or undefined when it is not there. */
function sample(metrics: string, name: string, labels = ''): number | undefined {
  const line = metrics.split('\n').find((entry) => entry.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('operations', () => {
  it('answers health and readiness, naming each service it checked', async () => {
    server = await startTestServer();
    expect((await server.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await server.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { accepting: true, database: true } });
  });

  it('counts requests by route, second-factor answers by factor and result, sends, lockouts and active sessions', async () => {
    server = await startTestServer({ config: testConfig({ lockout: { maxFailures: 3 } }) });
    const ada = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    await reachChallenge(ada, 'ada@example.com');
    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });
    await reachChallenge(ada, 'ada@example.com');
    for (let attempt = 0; attempt < 3; attempt++) await ada.postJson('/api/v1/sign-in/second-factor', { code: '000000' });

    const metrics = (await server.app.inject('/metrics')).body;
    console.log(
      metrics
        .split('\n')
        .filter((l) => l.startsWith('tessera_') && !l.includes('process') && !l.includes('nodejs') && !l.includes('bucket'))
        .join('\n'),
    );
    expect(sample(metrics, 'tessera_http_requests_total', 'route="/api/v1/sign-in",method="POST",status="200"')).toBe(2);
    expect(
      sample(metrics, 'tessera_http_requests_total', 'route="/api/v1/sign-in/second-factor",method="POST",status="401"'),
    ).toBe(2);
    expect(sample(metrics, 'tessera_http_request_duration_seconds_count', 'route="/api/v1/sign-up",method="POST"')).toBe(1);
    expect(sample(metrics, 'tessera_verifications_total', 'factor="otp",result="success"')).toBe(1);
    expect(sample(metrics, 'tessera_verifications_total', 'factor="code",result="failure"')).toBe(3);
    expect(sample(metrics, 'tessera_sends_total', 'channel="email",provider="outbox",result="delivered"')).toBe(1);
    expect(sample(metrics, 'tessera_lockouts_total')).toBe(1);
    // Ada's session ended when she signed out to the challenge, which she never passed.
    expect(sample(metrics, 'tessera_active_sessions')).toBe(0);
    await signUpWithTotp(server, new TestBrowser(server.app), 'bo@example.com');
    expect(sample((await server.app.inject('/metrics')).body, 'tessera_active_sessions')).toBe(1);
    expect(metrics).toContain('tessera_process_resident_memory_bytes');
    expect(metrics).not.toMatch(/ada@example\.com|\?/);
  });

  it('serves metrics only with the bearer token when one is set', async () => {
    const token = 'a'.repeat(40);
    server = await startTestServer({ config: testConfig({ metrics: { token } }) });
    expect((await server.app.inject('/metrics')).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    server.close();
    server = await startTestServer({ config: testConfig({ metrics: { enabled: false } }) });
    expect((await server.app.inject('/metrics')).statusCode).toBe(404);
  });

  it('logs a whole journey as JSON with request ids, and never a password, code, secret, token or link', async () => {
    const log = capturedLog();
    server = await startTestServer({ logger: log.logger });
    const ada = new TestBrowser(server.app);
    const { secret, recoveryCodes } = await signUpWithTotp(server, ada, 'ada@example.com');
    const link = await latestVerificationLink(server, 'ada@example.com');
    await ada.request({ method: 'GET', url: `/verify-email?c=${link.c}&t=${link.t}` });
    await ada.postJson('/api/v1/email/verify', link);
    const sessionToken = ada.cookies.get('tessera_session')!;
    const pending = await reachChallenge(ada, 'ada@example.com');
    const pendingToken = ada.cookies.get('tessera_pending')!;
    server.clock.advance(30_000);
    const code = totpAt(secret, server.clock.now());
    expect((await ada.postJson('/api/v1/sign-in/second-factor', { code })).statusCode).toBe(200);
    await reachChallenge(ada, 'ada@example.com');
    expect((await ada.postJson('/api/v1/sign-in/second-factor', { recoveryCode: recoveryCodes[0] })).statusCode).toBe(200);
    await ada.postJson('/api/v1/password/reset/send', { email: 'ada@example.com' });
    const [reset] = await server.deps.store.outbox.latest(1);
    const resetToken = /[?&]t=([^&\s]+)/.exec(reset!.text)![1]!;
    await ada.request({ method: 'GET', url: `/reset-password?${/\?(\S+)/.exec(reset!.text)![1]}` });
    const newPassword = 'quartz harbour violet';
    server.clock.advance(30_000);
    const changeCode = totpAt(secret, server.clock.now());
    const changed = await ada.postJson('/api/v1/password', {
      currentPassword: password,
      newPassword,
      code: changeCode,
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(pending.statusCode).toBe(200);

    const lines = log.lines();
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.length).toBeGreaterThan(10);
    expect(completed.every((line) => typeof line.reqId === 'string' && /^[0-9a-f-]{36}$/.test(line.reqId))).toBe(true);
    expect(completed).toContainEqual(
      expect.objectContaining({ route: '/verify-email', method: 'GET', status: expect.any(Number) }),
    );
    const text = log.raw.join('');
    for (const secretValue of [
      password,
      newPassword,
      secret,
      code,
      changeCode,
      resetToken,
      ...recoveryCodes,
      link.t,
      sessionToken,
      pendingToken,
    ]) {
      expect(text, `the log holds ${secretValue}`).not.toContain(secretValue);
    }
  });
});
