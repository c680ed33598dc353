import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../../support/databases.js';
import { TestBrowser } from '../../support/http-client.js';
import { password } from '../../support/mfa.js';
import {
  addPhone,
  type Attempt,
  checkpoint,
  checkpoints,
  eventsOf,
  hostMintedLink,
  latestTextedCode,
  phoneOf,
  promptRequest,
  refreshTarget,
  signedInBrowser,
  startWorld,
  withdrawal,
  type World,
} from './world.js';

/**
 * Attack 3: winning a race — sending one valid code, recovery code, link or request many times
 * at once, so that several get past a "was it used?" check before any marks it used; or many
 * wrong codes at once, so that they all get past the budget before any is counted. Each single
 * use is one conditional UPDATE or INSERT in the store (ARCHITECTURE rule 3), and each attempt
 * is counted by one conditional UPDATE before it is checked (`lockout.claim`). One at each
 * checkpoint at once puts every path's wiring in the same race.
 */
describe.each(databaseKinds)('parallel verification races on %s', (database) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ database });
  });
  afterEach(() => world.close());

  const settled = (responses: { statusCode: number }[]) => responses.map((response) => response.statusCode);

  it('lets one TOTP code, sent at once to every checkpoint, through exactly one of them', async () => {
    const { ada } = world;
    const attempts: Attempt[] = [];
    for (const point of checkpoints) attempts.push(await point.reach(world, ada));
    const code = world.code(ada);
    const responses = await Promise.all(attempts.map((attempt) => attempt.submit({ code })));
    const passed = responses.filter((response, index) => attempts[index]!.passed(response));
    expect(passed, settled(responses).join(',')).toHaveLength(1);
    // The others are wrong codes, each counted; the tenth of them locks the account.
    expect(settled(responses).filter((status) => status === 401 || status === 423)).toHaveLength(checkpoints.length - 1);
  });

  it('lets one recovery code, sent at once to every checkpoint, through exactly one of them, and spends only it', async () => {
    const { ada, server } = world;
    const attempts: Attempt[] = [];
    for (const point of checkpoints) attempts.push(await point.reach(world, ada));
    const recoveryCode = world.recoveryCode(ada);
    const responses = await Promise.all(attempts.map((attempt) => attempt.submit({ recoveryCode })));
    expect(responses.filter((response, index) => attempts[index]!.passed(response))).toHaveLength(1);
    expect(await server.deps.store.recoveryCodes.countUnused(ada.id)).toBe(9);
    expect(await eventsOf(world, ada, 'recovery_code_used')).toHaveLength(1);
  });

  it('counts every one of wrong codes sent at once to every checkpoint, and locks at the tenth', async () => {
    const { ada, server } = world;
    const attempts: Attempt[] = [];
    for (const point of checkpoints) attempts.push(await point.reach(world, ada));
    const responses = await Promise.all(attempts.map((attempt) => attempt.submit({ code: world.wrongCode(ada) })));
    const statuses = settled(responses);
    expect(statuses.filter((status) => status === 401)).toHaveLength(9);
    expect(statuses.filter((status) => status === 423)).toHaveLength(checkpoints.length - 9);
    expect(await server.deps.store.lockout.lockedUntil(ada.id)).toBe(server.clock.now() + 15 * 60_000);
  });

  it('approves one step-up once when different valid proofs for it arrive at once, with one grant', async () => {
    const { ada } = world;
    const browser = await signedInBrowser(world, ada);
    const { stepUpId } = (await browser.postJson('/api/v1/step-up', { action: 'funds.withdraw', details: withdrawal })).json();
    const proofs = [{ code: world.code(ada) }, ...[1, 2, 3, 4].map(() => ({ recoveryCode: world.recoveryCode(ada) }))];
    const responses = await Promise.all(
      proofs.map((proof) => browser.postJson('/api/v1/step-up/verify', { stepUpId, ...proof })),
    );
    expect(settled(responses).filter((status) => status === 200)).toHaveLength(1);
    expect(await eventsOf(world, ada, 'step_up_approved')).toHaveLength(1);
  });

  it('signs in once with a host-minted link used eight times at once', async () => {
    const { ada, server } = world;
    const link = await hostMintedLink(world, ada);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => new TestBrowser(server.app).postJson('/api/v1/sign-in/link', link)),
    );
    expect(settled(responses).sort()).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('opens one prompt from an app request sent eight times at once', async () => {
    const { ada, server } = world;
    const request = await promptRequest(world, ada);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => new TestBrowser(server.app).get(`/prompt?request=${request}`)),
    );
    expect(settled(responses).sort()).toEqual([303, 400, 400, 400, 400, 400, 400, 400]);
  });

  it('hands the app one code when a finished prompt is moved on eight times at once', async () => {
    const { ada } = world;
    const attempt = await checkpoint('the MFA-only prompt').reach(world, ada);
    const passed = await attempt.submit({ code: world.code(ada) });
    expect(passed.headers.location).toBe('/prompt/continue');
    const responses = await Promise.all(Array.from({ length: 8 }, () => attempt.browser.get('/prompt/continue')));
    expect(responses.filter((response) => refreshTarget(response)?.includes('code='))).toHaveLength(1);
  });

  it('signs in once with a texted code sent at once for eight copies of one pending sign-in', async () => {
    const { ada, server } = world;
    const phone = await addPhone(world, ada);
    const browser = new TestBrowser(server.app);
    await browser.postJson('/api/v1/sign-in', { email: ada.email, password });
    await browser.postJson('/api/v1/sign-in/send-code', { factorId: phone, channel: 'sms' });
    const code = await latestTextedCode(world, phoneOf(ada));
    const copies = Array.from({ length: 8 }, () => {
      const copy = new TestBrowser(server.app);
      copy.cookies.set('tessera_pending', browser.cookies.get('tessera_pending')!);
      return copy;
    });
    const responses = await Promise.all(copies.map((copy) => copy.postJson('/api/v1/sign-in/second-factor', { code })));
    expect(settled(responses).filter((status) => status === 200)).toHaveLength(1);
  });
});
