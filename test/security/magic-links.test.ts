import { afterEach, describe, expect, it } from 'vitest';
import { configWarnings } from '../../src/config.js';
import { TestBrowser } from '../support/http-client.js';
import { latestVerificationLink, password, signUpWithTotp } from '../support/mfa.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
afterEach(() => server.close());

async function start(overrides: Parameters<typeof testConfig>[0] = {}) {
  server = await startTestServer({ config: testConfig(overrides) });
  return new TestBrowser(server.app);
}

/** Signs an account up and confirms its address, so it can receive sign-in links. */
async function confirmedAccount(browser: TestBrowser, email: string, withTotp = false) {
  if (withTotp) await signUpWithTotp(server, browser, email);
  else expect((await browser.postJson('/api/v1/sign-up', { email, password })).statusCode).toBe(201);
  expect((await browser.postJson('/api/v1/email/verify', await latestVerificationLink(server, email))).statusCode).toBe(200);
  await browser.postJson('/api/v1/sign-out');
}

/** The `c` and `t` of the newest sign-in link the outbox kept for `to`. */
async function latestSignInLink(to: string): Promise<{ c: string; t: string }> {
  const [message] = (await server.deps.store.outbox.latest(50)).filter((each) => each.to === to && each.purpose === 'magic_link');
  const url = new URL(/(https?:\/\/\S+\/sign-in\/link\?\S+)/.exec(message!.text)![1]!);
  return { c: url.searchParams.get('c')!, t: url.searchParams.get('t')! };
}

const linksSentTo = async (to: string) =>
  (await server.deps.store.outbox.latest(50)).filter((each) => each.to === to && each.purpose === 'magic_link').length;

describe('sign-in links', () => {
  it('answers alike for unknown, unconfirmed and confirmed addresses, sending only to the confirmed one', async () => {
    const browser = await start();
    await confirmedAccount(browser, 'ada@example.com');
    expect((await browser.postJson('/api/v1/sign-up', { email: 'bob@example.com', password })).statusCode).toBe(201);
    const answers = await Promise.all(
      ['ada@example.com', 'bob@example.com', 'nobody@example.com'].map((email) =>
        new TestBrowser(server.app).postJson('/api/v1/sign-in/link/send', { email }),
      ),
    );
    expect(answers.map((answer) => [answer.statusCode, answer.body])).toEqual([
      [202, '{"status":"sent_if_known"}'],
      [202, '{"status":"sent_if_known"}'],
      [202, '{"status":"sent_if_known"}'],
    ]);
    expect([
      await linksSentTo('ada@example.com'),
      await linksSentTo('bob@example.com'),
      await linksSentTo('nobody@example.com'),
    ]).toEqual([1, 0, 0]);
  });

  it('signs in once: parallel and later uses of the same link are refused, and so is an expired one', async () => {
    const browser = await start();
    await confirmedAccount(browser, 'ada@example.com');
    await browser.postJson('/api/v1/sign-in/link/send', { email: 'ada@example.com' });
    const link = await latestSignInLink('ada@example.com');
    const tries = await Promise.all(
      Array.from({ length: 8 }, () => new TestBrowser(server.app).postJson('/api/v1/sign-in/link', link)),
    );
    expect(tries.map((answer) => answer.statusCode).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
    expect(tries.find((answer) => answer.statusCode === 200)!.json()).toMatchObject({
      status: 'signed_in',
      session: { aal: 1, amr: ['magic_link'] },
    });
    expect((await browser.postJson('/api/v1/sign-in/link', { ...link, t: 'x'.repeat(43) })).statusCode).toBe(400);

    server.clock.advance(31_000);
    await browser.postJson('/api/v1/sign-in/link/send', { email: 'ada@example.com' });
    const late = await latestSignInLink('ada@example.com');
    server.clock.advance(10 * 60_000);
    expect((await browser.postJson('/api/v1/sign-in/link', late)).json().error.code).toBe('ERR_LINK_INVALID');
  });

  it('is a first factor by default: the second factor is still asked', async () => {
    const browser = await start();
    await confirmedAccount(browser, 'ada@example.com', true);
    await browser.postJson('/api/v1/sign-in/link/send', { email: 'ada@example.com' });
    const outcome = await browser.postJson('/api/v1/sign-in/link', await latestSignInLink('ada@example.com'));
    expect(outcome.json()).toMatchObject({ status: 'second_factor_required', methods: ['totp', 'recovery_code'] });
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
  });

  it('counts as the second factor only when configured to, with a warning at start', async () => {
    const browser = await start({ magicLinks: { countsAsSecondFactor: true } });
    expect(configWarnings(server.config).join('\n')).toContain('magicLinks.countsAsSecondFactor is on');
    await confirmedAccount(browser, 'ada@example.com', true);
    await browser.postJson('/api/v1/sign-in/link/send', { email: 'ada@example.com' });
    const outcome = await browser.postJson('/api/v1/sign-in/link', await latestSignInLink('ada@example.com'));
    expect(outcome.json()).toMatchObject({ status: 'signed_in', session: { aal: 2, amr: ['magic_link'] } });
  });

  it('works only in the browser that asked, when bound to it', async () => {
    const asker = await start({ magicLinks: { bindToBrowser: true } });
    await confirmedAccount(asker, 'ada@example.com');
    const sent = await asker.submitForm('/sign-in/link', '/sign-in/link/send', { email: 'ada@example.com' });
    expect(sent.body).toContain('in this browser');
    const link = await latestSignInLink('ada@example.com');
    const stranger = new TestBrowser(server.app);
    const refused = await stranger.submitForm(`/sign-in/link?c=${link.c}&t=${link.t}`, '/sign-in/link', link);
    expect(refused.statusCode).toBe(400);
    const signedIn = await asker.submitForm(`/sign-in/link?c=${link.c}&t=${link.t}`, '/sign-in/link', link);
    expect(signedIn.headers.location).toBe('/account');
    expect((await asker.get('/api/v1/me')).json().session.amr).toEqual(['magic_link']);
  });
});
