import type { LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../support/databases.js';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  addPhone,
  asHost,
  eventsOf,
  hiddenFields,
  openPrompt,
  phoneOf,
  postForm,
  signedInBrowser,
  startWorld,
  textsTo,
  withdrawal,
  type World,
  type WorldOptions,
} from './world.js';

/**
 * Attack 9: code-send flooding — making Tessera text, call or email someone again and again
 * (SMS and voice bombing of a victim, toll fraud through premium numbers, a mailbox flooded with
 * links), by starting over as often as it takes: a new pending sign-in, a new step-up, a new
 * browser, or many requests at once. `sendCode` (src/core/flows/send-code.ts) holds a 30-second
 * cooldown per person and purpose — claimed atomically, so a burst sends one code — and hourly
 * caps per person and per destination; texts and calls also meet the toll-fraud guard (blocked
 * premium prefixes, budgets per country and in total, new numbers per account per day); link
 * requests, which need no password, also spend the per-IP budget.
 */

/** A way to make Tessera text Ada's phone, each time from a fresh start. */
interface Sender {
  name: string;
  options?: WorldOptions;
  prepare(world: World, phoneFactor: string): Promise<() => Promise<unknown>>;
}

/** Presses the challenge page's "Send code" for the phone, as a person does. */
async function pressSend(browser: TestBrowser, phoneFactor: string): Promise<LightMyRequestResponse> {
  const page = await browser.get('/sign-in/verify?method=phone');
  return postForm(browser, '/sign-in/verify/send', {
    ...hiddenFields(page.body, '/sign-in/verify/send'),
    target: `${phoneFactor}:sms`,
  });
}

const senders: Sender[] = [
  {
    name: 'the challenge’s Send code, from a new password sign-in each time',
    async prepare(world, phoneFactor) {
      return async () => {
        const browser = new TestBrowser(world.server.app);
        await browser.postJson('/api/v1/sign-in', { email: world.ada.email, password });
        return browser.postJson('/api/v1/sign-in/send-code', { factorId: phoneFactor, channel: 'sms' });
      };
    },
  },
  {
    name: 'the challenge page’s Send code button, from a new MFA-only prompt each time',
    async prepare(world, phoneFactor) {
      return async () => {
        const browser = new TestBrowser(world.server.app);
        await openPrompt(world, browser, world.ada);
        return pressSend(browser, phoneFactor);
      };
    },
  },
  {
    name: 'a step-up’s Send code, for a new step-up each time',
    async prepare(world, phoneFactor) {
      const browser = await signedInBrowser(world, world.ada);
      return async () => {
        const asked = await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal });
        return browser.postJson('/api/v1/step-up/send-code', { stepUpId: asked.json().stepUpId, factorId: phoneFactor });
      };
    },
  },
  {
    name: 'the passwordless sign-in, which needs no password, from a new browser each time',
    options: { config: { signIn: { passwordless: true } } },
    async prepare(world) {
      return async () => {
        const browser = new TestBrowser(world.server.app);
        await browser.postJson('/api/v1/sign-in/passwordless', { email: world.ada.email });
        return browser.postJson('/api/v1/sign-in/passwordless/send', { channel: 'sms' });
      };
    },
  },
];

let world: World;
afterEach(() => world.close());

describe('code-send flooding', () => {
  it.each(senders.map((sender) => [sender.name, sender] as const))(
    'texts Ada at most once per 30 seconds and ten times an hour through %s',
    async (_name, sender) => {
      world = await startWorld(sender.options);
      const phoneFactor = await addPhone(world, world.ada);
      world.server.clock.advance(3_600_000);
      const send = await sender.prepare(world, phoneFactor);
      const texts = async () => (await textsTo(world, phoneOf(world.ada))).length;

      for (let i = 0; i < 3; i++) await send();
      expect(await texts()).toBe(1);
      for (let i = 0; i < 12; i++) {
        world.server.clock.advance(31_000);
        await send();
      }
      expect(await texts()).toBe(10);
    },
  );

  it.each(databaseKinds)(
    'texts one code for ten Send code requests at once from ten pending sign-ins, on %s',
    async (database) => {
      world = await startWorld({ database });
      const phoneFactor = await addPhone(world, world.ada);
      world.server.clock.advance(3_600_000);
      const browsers: TestBrowser[] = [];
      for (let i = 0; i < 10; i++) {
        const browser = new TestBrowser(world.server.app);
        await browser.postJson('/api/v1/sign-in', { email: world.ada.email, password });
        browsers.push(browser);
      }
      const answers = await Promise.all(
        browsers.map((browser) => browser.postJson('/api/v1/sign-in/send-code', { factorId: phoneFactor, channel: 'sms' })),
      );
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, ...Array(9).fill(429)]);
      expect(await textsTo(world, phoneOf(world.ada))).toHaveLength(1);
    },
  );

  it.each(databaseKinds)('emails one sign-in link for ten requests at once for the same address, on %s', async (database) => {
    world = await startWorld({ database });
    world.server.clock.advance(3_600_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        new TestBrowser(world.server.app).postJson('/api/v1/sign-in/link/send', { email: world.ada.email }),
      ),
    );
    expect(new Set(answers.map((answer) => `${answer.statusCode} ${answer.body}`))).toEqual(
      new Set(['202 {"status":"sent_if_known"}']),
    );
    const links = (await world.server.deps.store.outbox.latest(100)).filter(
      (message) => message.to === world.ada.email && message.purpose === 'magic_link',
    );
    expect(links).toHaveLength(1);
  });

  it.each([
    ['sign-in links', '/api/v1/sign-in/link/send', 'magic_link'],
    ['password reset links', '/api/v1/password/reset/send', 'password_reset'],
  ])('emails Ada at most ten %s an hour however many browsers ask, answering each alike', async (_name, url, purpose) => {
    world = await startWorld();
    world.server.clock.advance(3_600_000);
    const answers = new Set<string>();
    for (let i = 0; i < 15; i++) {
      world.server.clock.advance(31_000);
      const answer = await new TestBrowser(world.server.app).postJson(url, { email: world.ada.email });
      answers.add(`${answer.statusCode} ${answer.body}`);
    }
    expect(answers).toEqual(new Set(['202 {"status":"sent_if_known"}']));
    const sent = (await world.server.deps.store.outbox.latest(100)).filter(
      (message) => message.to === world.ada.email && message.purpose === purpose,
    );
    expect(sent).toHaveLength(10);
  });

  it('texts a victim’s number at most ten times an hour, however many accounts ask to add it', async () => {
    world = await startWorld();
    const victim = '+447400777888';
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const attacker = new TestBrowser(world.server.app);
      await attacker.postJson('/api/v1/sign-up', { email: `bomber${i}@example.com`, password });
      statuses.push((await attacker.postJson('/api/v1/factors/phone', { number: victim, channel: 'sms', password })).statusCode);
    }
    expect(statuses).toEqual([...Array(10).fill(200), 429, 429]);
    expect(await textsTo(world, victim)).toHaveLength(10);
  });

  it('never calls a premium-rate number the app registered, at sign-in or at a step-up, and records each refusal', async () => {
    world = await startWorld();
    const premium = '+19005550123';
    const registered = await asHost(world, 'PUT', `/api/v1/host/people/${world.ada.externalId}`, {
      email: world.ada.email,
      emailVerified: true,
      verifiedPhone: premium,
    });
    expect(registered.statusCode, registered.body).toBe(200);
    const factorId = (await world.server.deps.store.factors.listForUser(world.ada.id)).find(
      (factor) => factor.kind === 'phone',
    )!.id;

    const pending = new TestBrowser(world.server.app);
    await pending.postJson('/api/v1/sign-in', { email: world.ada.email, password });
    const atSignIn = await pending.postJson('/api/v1/sign-in/send-code', { factorId, channel: 'voice' });
    expect(atSignIn.json().error.code).toBe('ERR_SEND_LIMIT');
    const session = await signedInBrowser(world, world.ada);
    const { stepUpId } = (await session.postJson('/api/v1/step-up', { action: 'funds.withdraw' })).json();
    const atStepUp = await session.postJson('/api/v1/step-up/send-code', { stepUpId, factorId, channel: 'voice' });
    expect(atStepUp.json().error.code).toBe('ERR_SEND_LIMIT');

    expect(await textsTo(world, premium)).toEqual([]);
    const refusals = await eventsOf(world, world.ada, 'send_refused');
    expect(refusals.map((event) => event.detail)).toEqual([
      { reason: 'blocked_prefix', country: 'US' },
      { reason: 'blocked_prefix', country: 'US' },
    ]);
  });

  it('slows one address asking for many people’s sign-in links down with the per-IP budget', async () => {
    world = await startWorld({ config: { throttling: { ipAttempts: 20 } } });
    world.server.clock.advance(61_000);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const sprayer = new TestBrowser(world.server.app);
      sprayer.ip = '203.0.113.9';
      statuses.push((await sprayer.postJson('/api/v1/sign-in/link/send', { email: `person${i}@example.com` })).statusCode);
    }
    expect(statuses).toEqual([...Array(20).fill(202), ...Array(5).fill(429)]);
    const elsewhere = new TestBrowser(world.server.app);
    elsewhere.ip = '198.51.100.4';
    expect((await elsewhere.postJson('/api/v1/sign-in/link/send', { email: world.ada.email })).statusCode).toBe(202);
  });
});
