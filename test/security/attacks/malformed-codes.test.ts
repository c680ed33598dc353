import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  asHost,
  checkpoint,
  failuresCounted,
  hiddenFields,
  hostMintedLink,
  postForm,
  promptRequest,
  promptWithoutMethod,
  signedInBrowser,
  startWorld,
  withdrawal,
  type World,
  type WorldOptions,
} from './world.js';

/**
 * Attack 6: codes that are not codes — empty, null, arrays, objects (`{"$gt": ""}`), numbers,
 * booleans, huge strings, a field given twice — in the hope that a parser or a loose comparison
 * lets one through, or that an error becomes a 5xx with a session already made. Every route
 * parses its input with a zod schema before any flow runs (src/http/api/schemas.ts; the pages'
 * own forms), so malformed input is a 400 (a body over 64 kB a 413) with a clear message: no
 * session, no grant, and nothing counted against the account's budget.
 */

/** Where a malformed value is sent, and how to show afterwards that nothing changed. */
interface Target {
  name: string;
  options?: WorldOptions;
  prepare(world: World): Promise<{
    send(value: unknown): Promise<LightMyRequestResponse>;
    /** Proves the place still works for a right answer, or that what the answer would change is unchanged. */
    unchanged(): Promise<void>;
  }>;
}

const jsonValues: [string, unknown][] = [
  ['an empty string', ''],
  ['null', null],
  ['an array', ['123456']],
  ['an object', { $gt: '' }],
  ['a number', 123456],
  ['a boolean', true],
  ['a 10,000-character string', '1'.repeat(10_000)],
  ['a body over 64 kB', 'x'.repeat(100_000)],
];

const jsonTargets: Target[] = [
  {
    name: 'the step-up API',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal })).json();
      return {
        send: (code) => browser.postJson('/api/v1/step-up/verify', { stepUpId, code }),
        unchanged: async () => {
          const approved = await browser.postJson('/api/v1/step-up/verify', { stepUpId, code: world.code(world.ada) });
          expect(approved.statusCode).toBe(200);
        },
      };
    },
  },
  {
    name: 'the passwordless sign-in',
    options: { config: { signIn: { passwordless: true } } },
    async prepare(world) {
      const browser = new TestBrowser(world.server.app);
      await browser.postJson('/api/v1/sign-in/passwordless', { email: world.ada.email });
      return {
        send: (code) => browser.postJson('/api/v1/sign-in/passwordless/verify', { code }),
        unchanged: async () => {
          const signedIn = await browser.postJson('/api/v1/sign-in/passwordless/verify', { code: world.code(world.ada) });
          expect(signedIn.json()).toMatchObject({ status: 'signed_in', session: { aal: 1 } });
        },
      };
    },
  },
  {
    name: 'a sign-in link',
    async prepare(world) {
      const link = await hostMintedLink(world, world.ada);
      const browser = new TestBrowser(world.server.app);
      return {
        send: (value) => browser.postJson('/api/v1/sign-in/link', { c: value, t: value }),
        unchanged: async () => {
          const used = await browser.postJson('/api/v1/sign-in/link', link);
          expect(used.json()).toMatchObject({ status: 'second_factor_required' });
        },
      };
    },
  },
  {
    name: 'the MFA-only prompt’s exchange',
    async prepare(world) {
      const exchange = (code: unknown) => asHost(world, 'POST', '/api/v1/host/prompt/exchange', { code });
      return {
        send: exchange,
        unchanged: async () => {
          const attempt = await checkpoint('the MFA-only prompt').reach(world, world.ada);
          await attempt.submit({ code: world.code(world.ada) });
          const back = /code=([^&]+)/.exec(String((await attempt.browser.get('/prompt/continue')).headers.refresh))![1]!;
          expect((await exchange(decodeURIComponent(back))).statusCode).toBe(200);
        },
      };
    },
  },
  {
    name: 'the grant redemption',
    async prepare(world) {
      const consume = (grant: unknown) => asHost(world, 'POST', '/api/v1/grants/consume', { grant });
      return {
        send: consume,
        unchanged: async () => {
          const attempt = await checkpoint('the step-up API').reach(world, world.ada);
          const { grant } = (await attempt.submit({ code: world.code(world.ada) })).json();
          expect((await consume(grant)).json()).toMatchObject({ act: 'funds.withdraw', su: true });
        },
      };
    },
  },
  {
    name: 'the confirmation of a new authenticator app',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      const started = (await browser.postJson('/api/v1/factors/totp', { password })).json();
      return {
        send: (code) => browser.postJson('/api/v1/factors/totp/confirm', { enrollmentToken: started.enrollmentToken, code }),
        unchanged: async () => {
          expect(await world.server.deps.store.factors.listForUser(world.ada.id)).toHaveLength(2);
        },
      };
    },
  },
  {
    name: 'the removal of a method',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      world.server.clock.advance(11 * 60_000);
      return {
        send: (code) => browser.request({ method: 'DELETE', url: `/api/v1/factors/${world.ada.factorId}`, payload: { code } }),
        unchanged: async () => {
          expect(await world.server.deps.store.factors.listForUser(world.ada.id)).toHaveLength(2);
        },
      };
    },
  },
  {
    name: 'the switch that turns two-step verification off',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      return {
        send: (code) => browser.postJson('/api/v1/mfa/off', { code }),
        unchanged: async () => {
          expect(await world.server.deps.store.factors.listForUser(world.ada.id)).toHaveLength(2);
        },
      };
    },
  },
  {
    name: '“Confirm it’s you”',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      return {
        send: (code) => browser.postJson('/api/v1/session/confirm', { code }),
        unchanged: async () => {
          expect((await browser.postJson('/api/v1/session/confirm', { code: world.code(world.ada) })).statusCode).toBe(200);
        },
      };
    },
  },
  {
    name: 'the start of adding a phone number',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      return {
        send: (code) => browser.postJson('/api/v1/factors/phone', { number: '+447400111222', channel: 'sms', code }),
        unchanged: async () => {
          const texts = (await world.server.deps.store.outbox.latest(100)).filter((each) => each.to === '+447400111222');
          expect(texts).toEqual([]);
        },
      };
    },
  },
];

/** Fields as a form posts them; a name may repeat, or carry brackets that some parsers read as an object. */
const formValues: [string, [string, string][]][] = [
  ['an empty code', [['code', '']]],
  [
    'the code field twice',
    [
      ['code', '123456'],
      ['code', '654321'],
    ],
  ],
  ['a bracketed field instead of the code', [['code[$gt]', '']]],
  ['a 10,000-character code', [['code', '1'.repeat(10_000)]]],
];

const formTargets: Target[] = [
  {
    name: 'the challenge page',
    async prepare(world) {
      const attempt = await checkpoint('password sign-in').reach(world, world.ada);
      const hidden = hiddenFields((await attempt.browser.get('/sign-in/verify')).body, '/sign-in/verify');
      return {
        send: (fields) =>
          postForm(attempt.browser, '/sign-in/verify', [...Object.entries(hidden), ...(fields as [string, string][])]),
        unchanged: async () => {
          expect(
            (await postForm(attempt.browser, '/sign-in/verify', { ...hidden, code: world.code(world.ada) })).statusCode,
          ).toBe(303);
        },
      };
    },
  },
  {
    name: 'the hosted step-up page',
    async prepare(world) {
      const browser = await signedInBrowser(world, world.ada);
      const page = await browser.get(`/step-up?${new URLSearchParams({ action: 'funds.withdraw', return_to: '/account' })}`);
      const hidden = hiddenFields(page.body, '/step-up/verify');
      return {
        send: (fields) => postForm(browser, '/step-up/verify', [...Object.entries(hidden), ...(fields as [string, string][])]),
        unchanged: async () => {
          const approved = await postForm(browser, '/step-up/verify', { ...hidden, code: world.code(world.ada) });
          expect(String(approved.headers.location)).toMatch(/\/account\?grant=/);
        },
      };
    },
  },
  {
    name: 'the MFA-only prompt’s set-up page',
    async prepare(world) {
      const { server } = world;
      const browser = await promptWithoutMethod(world);
      await browser.get('/prompt/continue');
      const hidden = hiddenFields((await browser.get('/prompt/setup')).body, '/prompt/setup');
      const ivy = (await server.deps.store.users.findByEmail('ivy@example.com'))!;
      return {
        send: (fields) => postForm(browser, '/prompt/setup', [...Object.entries(hidden), ...(fields as [string, string][])]),
        unchanged: async () => {
          expect(await server.deps.store.factors.listForUser(ivy.id)).toEqual([]);
        },
      };
    },
  },
];

describe('malformed, blank and array codes', () => {
  describe.each([...jsonTargets.map((target) => [target.name, target] as const)])('at %s', (_name, target) => {
    let world: World;
    let place: Awaited<ReturnType<Target['prepare']>>;
    beforeAll(async () => {
      world = await startWorld(target.options);
      place = await target.prepare(world);
    });
    afterAll(() => world.close());

    it.each(jsonValues)('refuses %s as the code with a 4xx, no session and nothing counted', async (_value, value) => {
      const response = await place.send(value);
      expect(response.statusCode, response.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      if (response.statusCode === 400) expect(response.json().error.code).toBe('ERR_INVALID_INPUT');
      expect(response.cookies.find((cookie) => cookie.name === 'tessera_session')).toBeUndefined();
      expect(await failuresCounted(world, world.ada)).toBe(0);
    });

    it('still works for a right answer afterwards, and nothing else changed', () => place.unchanged());
  });

  describe.each([...formTargets.map((target) => [target.name, target] as const)])('on %s', (_name, target) => {
    let world: World;
    let place: Awaited<ReturnType<Target['prepare']>>;
    beforeAll(async () => {
      world = await startWorld(target.options);
      place = await target.prepare(world);
    });
    afterAll(() => world.close());

    it.each(formValues)('refuses %s with a 400 page, no session and nothing counted', async (_value, fields) => {
      const response = await place.send(fields);
      expect(response.statusCode, response.body.slice(0, 300)).toBe(400);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.cookies.find((cookie) => cookie.name === 'tessera_session')).toBeUndefined();
      expect(await failuresCounted(world, world.ada)).toBe(0);
    });

    it('still works for a right answer afterwards, and nothing else changed', () => place.unchanged());
  });

  describe('the hosted step-up page’s address', () => {
    let world: World;
    let browser: TestBrowser;
    beforeAll(async () => {
      world = await startWorld();
      browser = await signedInBrowser(world, world.ada);
    });
    afterAll(() => world.close());

    it.each([
      ['no action', 'return_to=%2Faccount'],
      ['an empty action', 'action=&return_to=%2Faccount'],
      ['the action twice', 'action=funds.withdraw&action=admin.act&return_to=%2Faccount'],
      ['no return address', 'action=funds.withdraw'],
      ['details of 10,000 characters', `action=funds.withdraw&return_to=%2Faccount&details=${'x'.repeat(10_000)}`],
    ])('refuses %s with a 400 page and asks for nothing', async (_name, query) => {
      const response = await browser.get(`/step-up?${query}`);
      expect(response.statusCode).toBe(400);
      expect(response.body).not.toContain('action="/step-up/verify"');
    });
  });

  describe('the MFA-only prompt’s request', () => {
    let world: World;
    beforeAll(async () => {
      world = await startWorld();
    });
    afterAll(() => world.close());

    const unsigned = () =>
      [
        Buffer.from(JSON.stringify({ alg: 'none', typ: 'tessera-prompt+jwt' })).toString('base64url'),
        Buffer.from(JSON.stringify({ iss: 'shop', sub: 'u-ada', aud: 'http://localhost:4000/prompt' })).toString('base64url'),
        '',
      ].join('.');

    it.each([
      ['no request', ''],
      ['an empty request', 'request='],
      ['two requests', 'request=a.b.c&request=d.e.f'],
      ['a request that is not a JWT', 'request=not-a-jwt'],
      ['an unsigned request (alg none)', `request=${unsigned()}`],
      ['a 10,000-character request', `request=${'a'.repeat(10_000)}`],
    ])('refuses %s with a 400 page and opens no prompt', async (_name, query) => {
      const browser = new TestBrowser(world.server.app);
      const response = await browser.get(`/prompt?${query}`);
      expect(response.statusCode).toBe(400);
      expect(browser.cookies.has('tessera_prompt')).toBe(false);
      expect(browser.cookies.has('tessera_pending')).toBe(false);
    });

    it('still opens a prompt for the app’s signed request', async () => {
      const browser = new TestBrowser(world.server.app);
      const opened = await browser.get(`/prompt?request=${await promptRequest(world, world.ada)}`);
      expect(opened.headers.location).toBe('/prompt/continue');
    });
  });
});
