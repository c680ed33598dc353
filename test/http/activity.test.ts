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
  it('shows a person their own security events, newest first, with browser, IP and failures marked, and nobody else’s', async () => {
    const ada = new TestBrowser(server.app, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0');
    const { secret } = await signUpWithTotp(server, ada, 'ada@example.com');
    const eve = new TestBrowser(server.app);
    await eve.postJson('/api/v1/sign-up', { email: 'eve@example.com', password });

    server.clock.advance(1_000);
    await reachChallenge(ada, 'ada@example.com');
    server.clock.advance(1_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: '000000' });
    server.clock.advance(30_000);
    await ada.postJson('/api/v1/sign-in/second-factor', { code: totpAt(secret, server.clock.now()) });

    const { events } = (await ada.get('/api/v1/activity?limit=3')).json() as { events: Record<string, unknown>[] };
    expect(events.map((event) => [event.type, event.outcome])).toEqual([
      ['sign_in', 'success'],
      ['second_factor_failed', 'failure'],
      ['sign_out', 'success'],
    ]);
    expect(events[0]).toMatchObject({
      description: 'Signed in with password, authenticator app',
      ip: '127.0.0.1',
      userAgent: expect.stringContaining('Firefox/133.0'),
      detail: { amr: ['pwd', 'otp'] },
    });
    expect(events[0]).not.toHaveProperty('userId');
    expect((await eve.get('/api/v1/activity')).json().events.map((event: { type: string }) => event.type)).toEqual([
      'sign_in',
      'sign_up',
    ]);

    const page = (await ada.get('/account')).body;
    expect(page).toContain('Recent activity');
    expect(page).toContain('Signed in with password, authenticator app');
    expect(page).toContain('Firefox 133 on Windows · 127.0.0.1');
    expect(page).toMatch(/<li class="activity-warning">\s*<span>Password accepted, but the second step failed<\/span>/);
    expect(page).not.toContain('eve@example.com');
  });
});
