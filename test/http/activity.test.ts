import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../support/http-client.js';
import { password, reachChallenge, signUpWithTotp, totpAt } from '../support/mfa.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(() => server.close());

describe('activity', () => {
  it('shows a person their own security events, newest first, with failures marked, and nobody else’s', async () => {
    const ada = new TestBrowser(server.app);
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    const eve = new TestBrowser(server.app);
    await eve.postJson('/api/v1/sign-up', { email: 'eve@example.com', password });

    server.clock.advance(1_000);
    await reachChallenge(ada, 'ada@example.com');
    server.clock.advance(1_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: '000000' });
    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });

    const { events } = (await ada.get('/api/v1/activity?limit=3')).json() as { events: { type: string; detail?: unknown }[] };
    expect(events.map((event) => event.type)).toEqual(['sign_in', 'second_factor_failed', 'sign_out']);
    expect(events[0]?.detail).toEqual({ amr: ['pwd', 'otp'] });
    expect((await eve.get('/api/v1/activity')).json().events.map((event: { type: string }) => event.type)).toEqual([
      'sign_in',
      'sign_up',
    ]);

    const page = (await ada.get('/account')).body;
    expect(page).toContain('Recent activity');
    expect(page).toContain('Signed in with password, authenticator app');
    expect(page).toMatch(/<li class="activity-warning">\s*<span>Password accepted, but the second step failed<\/span>/);
    expect(page).not.toContain('eve@example.com');
  });
});
