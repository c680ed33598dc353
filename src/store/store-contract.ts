import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiKey, Factor, RiskAssessment, Session, Store, User } from '../core/ports.js';
import type { WebhookDelivery, WebhookSubscription } from '../core/ports.js';

/** An implementation of the Store port under test: an empty store with the schema in place, and how to dispose of it. */
export interface StoreUnderTest {
  store: Store;
  close(): Promise<void>;
}

const user = (id: string, email = `${id}@example.com`): User => ({
  id,
  email,
  passwordHash: 'hash',
  createdAt: 1_000,
  emailVerifiedAt: null,
  mfaSetupRequired: false,
  mfaResetAt: null,
  deletionDueAt: null,
  mfaEnforcedAt: null,
  enforcedSignIns: 0,
});
const session = (id: string, userId: string, tokenHash = `k1:${id}`): Session => ({
  id,
  userId,
  tokenHash,
  aal: 1,
  amr: ['pwd'],
  authTime: 1_000,
  mfaAt: null,
  createdAt: 1_000,
  lastSeenAt: 1_000,
  expiresAt: 90_000_000,
  ip: '192.0.2.1',
  userAgent: 'Mozilla/5.0',
  enrollmentOnly: false,
});

/**
 * The Store contract as a vitest suite: what the core relies on of every implementation —
 * uniqueness, single use under parallel calls, all-or-nothing enrollment, expiry, ordering.
 * The SQLite and PostgreSQL stores are its reference implementations; run it against your own
 * with `describeStoreContract('my store', async () => ({ store, close }))` in a vitest file.
 * `open` is called before every test and must give an empty store.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(name, () => {
    let subject: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
    });
    afterEach(() => subject.close());

    it('creates a user once per email and finds it by email and id', async () => {
      expect(await store.users.create(user('u1', 'ada@example.com'))).toBe(true);
      expect(await store.users.create(user('u2', 'ada@example.com'))).toBe(false);
      expect(await store.users.findByEmail('ada@example.com')).toEqual(user('u1', 'ada@example.com'));
      expect(await store.users.findById('u1')).toEqual(user('u1', 'ada@example.com'));
      expect(await store.users.findById('u2')).toBeUndefined();
    });

    it('updates a password hash', async () => {
      await store.users.create(user('u1'));
      await store.users.updatePasswordHash('u1', 'new-hash');
      expect((await store.users.findById('u1'))?.passwordHash).toBe('new-hash');
    });

    it('finds a session by any candidate token hash and keeps its assurance data', async () => {
      await store.users.create(user('u1'));
      await store.sessions.create({ ...session('s1', 'u1'), aal: 2, amr: ['pwd', 'otp'], mfaAt: 5_000 });
      const found = await store.sessions.findByTokenHash(['k2:other', 'k1:s1']);
      expect(found).toEqual({ ...session('s1', 'u1'), aal: 2, amr: ['pwd', 'otp'], mfaAt: 5_000 });
      expect(await store.sessions.findByTokenHash(['k1:nothing'])).toBeUndefined();
    });

    it('raises a session’s assurance under a new token, adding each method of the second factor to its amr once', async () => {
      await store.users.create(user('u1'));
      await store.sessions.create({ ...session('s1', 'u1', 'k1:old'), amr: ['pwd', 'trusted_device'] });
      await store.sessions.raiseAssurance('s1', 'k1:new', 5_000, ['otp']);
      await store.sessions.raiseAssurance('s1', 'k1:newer', 6_000, ['hwk', 'user', 'otp']);
      expect(await store.sessions.findByTokenHash(['k1:old', 'k1:new'])).toBeUndefined();
      expect(await store.sessions.findByTokenHash(['k1:newer'])).toMatchObject({
        aal: 2,
        mfaAt: 6_000,
        amr: ['pwd', 'trusted_device', 'otp', 'hwk', 'user'],
      });
    });

    it('touches, deletes one session, and deletes every other session of a user', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      for (const id of ['s1', 's2', 's3']) await store.sessions.create(session(id, 'u1'));
      await store.sessions.create(session('s4', 'u2'));
      await store.sessions.touch('s1', 7_000);
      expect((await store.sessions.findByTokenHash(['k1:s1']))?.lastSeenAt).toBe(7_000);
      expect(await store.sessions.deleteOthers('u1', 's1')).toBe(2);
      expect(await store.sessions.findByTokenHash(['k1:s2'])).toBeUndefined();
      expect(await store.sessions.findByTokenHash(['k1:s4'])).toBeDefined();
      await store.sessions.delete('s1');
      expect(await store.sessions.findByTokenHash(['k1:s1'])).toBeUndefined();
    });

    it('counts parallel throttle claims one by one and refuses claims while blocked', async () => {
      const blockAfterThree = (failures: number) => (failures >= 3 ? 10_000 : 0);
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.throttles.claim('key', 1_000, blockAfterThree)));
      expect(claims.filter((claim) => claim.allowed)).toHaveLength(3);
      expect(claims.filter((claim) => !claim.allowed)).toEqual(Array(7).fill({ allowed: false, blockedUntil: 11_000 }));
      expect(await store.throttles.claim('key', 11_000, blockAfterThree)).toEqual({ allowed: true, failures: 4 });
      await store.throttles.clear('key');
      expect(await store.throttles.claim('key', 11_001, blockAfterThree)).toEqual({ allowed: true, failures: 1 });
    });

    it('records security events and lists a user’s newest first', async () => {
      await store.users.create(user('u1'));
      await store.events.record({ type: 'sign_up', userId: 'u1', ip: '192.0.2.1', outcome: 'success', at: 1 });
      const signIn = {
        type: 'sign_in',
        userId: 'u1',
        ip: '192.0.2.1',
        userAgent: 'Firefox',
        outcome: 'success',
        at: 2,
        detail: { amr: ['pwd'] },
      } as const;
      await store.events.record(signIn);
      await store.events.record({ type: 'sign_in_failed', userId: null, ip: '192.0.2.9', outcome: 'failure', at: 3 });
      expect(await store.events.listForUser('u1', 10)).toEqual([
        signIn,
        { type: 'sign_up', userId: 'u1', ip: '192.0.2.1', outcome: 'success', at: 1 },
      ]);
    });

    const notice = (id: string, userId: string, at: number, recipient = '') => ({
      id,
      userId,
      recipient,
      event: { type: 'factor_added', userId, ip: '192.0.2.1', outcome: 'success', at, detail: { kind: 'totp' } } as const,
    });

    it('counts people and the people with each kind of factor for the coverage snapshot', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      await store.factors.create(factor('f1', 'u1'), null);
      await store.factors.create(factor('f2', 'u1', 'fp-other'), null);
      expect(await store.coverageSnapshots.countNow()).toEqual({ total: 2, enrolled: 1, byMethod: { totp: 1 } });
    });

    it('forgets ended and idle sessions, unapproved expired step-ups and old handled notices, and nothing else', async () => {
      await store.users.create(user('u1'));
      await store.sessions.create({ ...session('ended', 'u1'), expiresAt: 5_000 });
      await store.sessions.create({ ...session('idle', 'u1'), lastSeenAt: 1_000, expiresAt: 90_000_000 });
      await store.sessions.create({ ...session('live', 'u1'), lastSeenAt: 9_000, expiresAt: 90_000_000 });
      const stepUp = (id: string, approvedAt: number | null) => ({
        id,
        userId: 'u1',
        sessionId: 'live',
        action: 'funds.withdraw',
        details: null,
        detailsHash: null,
        createdAt: 1_000,
        expiresAt: 2_000,
        approvedAt,
        amr: [],
        lastUsedAt: approvedAt,
      });
      await store.stepUps.create(stepUp('waiting', null));
      await store.stepUps.create(stepUp('approved', 1_500));
      await store.securityNotices.enqueue(notice('old', 'u1', 100));
      await store.securityNotices.take('u1', '', 200);

      expect(await store.sessions.deleteExpired(10_000, 5_000)).toBe(2);
      expect(await store.stepUps.pruneUnapproved(10_000)).toBe(1);
      expect(await store.stepUps.latestApproval('live', 'funds.withdraw')).toMatchObject({ id: 'approved' });
      expect(await store.securityNotices.pruneHandled(150)).toBe(0);
      expect(await store.securityNotices.pruneHandled(201)).toBe(1);
      expect((await store.sessions.listForUser('u1', 10_000)).map((each) => each.id)).toEqual(['live']);
    });

    it('hands each waiting security notice to one taker, and keeps a quiet interval per person and address', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      await store.securityNotices.enqueue(notice('n1', 'u1', 10));
      await store.securityNotices.enqueue(notice('n2', 'u1', 11));
      await store.securityNotices.enqueue(notice('n3', 'u1', 12, 'old@example.com'));
      await store.securityNotices.enqueue(notice('n4', 'u2', 5));
      expect(await store.securityNotices.listDue(100, 0, 10)).toEqual([
        { userId: 'u2', recipient: '' },
        { userId: 'u1', recipient: '' },
        { userId: 'u1', recipient: 'old@example.com' },
      ]);
      const [first, second] = await Promise.all([
        store.securityNotices.take('u1', '', 100),
        store.securityNotices.take('u1', '', 100),
      ]);
      expect([first.length, second.length].sort()).toEqual([0, 2]);
      expect([...first, ...second].map((taken) => taken.id)).toEqual(['n1', 'n2']);
      expect([...first, ...second][0]!.event).toEqual(notice('n1', 'u1', 10).event);

      await store.securityNotices.enqueue(notice('n5', 'u1', 150));
      expect(await store.securityNotices.listDue(200, 50, 10)).not.toContainEqual({ userId: 'u1', recipient: '' });
      expect(await store.securityNotices.listDue(200, 100, 10)).toContainEqual({ userId: 'u1', recipient: '' });
    });

    it('holds a released security notice until its retry time', async () => {
      await store.users.create(user('u1'));
      await store.securityNotices.enqueue(notice('n1', 'u1', 10));
      await store.securityNotices.take('u1', '', 20);
      await store.securityNotices.release(['n1'], 500);
      expect(await store.securityNotices.listDue(499, 0, 10)).toEqual([]);
      expect(await store.securityNotices.listDue(500, 0, 10)).toEqual([{ userId: 'u1', recipient: '' }]);
    });

    const factor = (id: string, userId: string, fingerprint = `fp-${id}`): Factor => ({
      id,
      userId,
      kind: 'totp',
      label: 'Phone',
      secretSealed: 'k1:sealed',
      secretFingerprint: fingerprint,
      lastUsedStep: 10,
      createdAt: 1_000,
      lastUsedAt: 1_000,
      primary: false,
      webauthn: null,
    });

    const securityKey = (id: string, userId: string, credentialId = `cred-${id}`, signCount = 5): Factor => ({
      ...factor(id, userId),
      kind: 'security_key',
      lastUsedStep: null,
      webauthn: {
        credentialId,
        signCount,
        transports: ['usb', 'nfc'],
        aaguid: '00000000-0000-0000-0000-000000000000',
        attachment: 'cross-platform',
        userVerified: false,
        discoverable: false,
        backupEligible: false,
        backedUp: false,
        attestationFormat: 'none',
        flaggedAt: null,
      },
    });

    it('keeps at most one primary factor per person, and only the owner can choose it', async () => {
      await store.users.create(user('u1'));
      await store.factors.create({ ...factor('f1', 'u1'), primary: true }, null);
      await store.factors.create(factor('f2', 'u1'), null);
      expect(await store.factors.setPrimary('u2', 'f2')).toBe(false);
      expect(await store.factors.setPrimary('u1', 'f2')).toBe(true);
      expect((await store.factors.listForUser('u1')).map((each) => [each.id, each.primary])).toEqual([
        ['f1', false],
        ['f2', true],
      ]);
    });

    it('lists a person’s open sessions and ends one only for its owner', async () => {
      await store.users.create(user('u1'));
      await store.sessions.create(session('s1', 'u1'));
      await store.sessions.create({ ...session('s2', 'u1'), lastSeenAt: 2_000 });
      await store.sessions.create({ ...session('s3', 'u1'), expiresAt: 1_500 });
      expect((await store.sessions.listForUser('u1', 1_600)).map((each) => each.id)).toEqual(['s2', 's1']);
      expect(await store.sessions.deleteForUser('u2', 's1')).toBe(false);
      expect(await store.sessions.deleteForUser('u1', 's1')).toBe(true);
      expect((await store.sessions.listForUser('u1', 1_600)).map((each) => each.id)).toEqual(['s2']);
    });

    it('finds a trusted device by its token only until it expires, and forgets devices per owner', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      const device = {
        id: 'd1',
        userId: 'u1',
        tokenHash: 'k1:d1',
        userAgent: 'Mozilla/5.0',
        createdIp: '192.0.2.1',
        lastIp: '192.0.2.1',
        createdAt: 1_000,
        lastUsedAt: 1_000,
        expiresAt: 5_000,
      };
      await store.trustedDevices.create(device);
      await store.trustedDevices.create({ ...device, id: 'd2', tokenHash: 'k1:d2' });
      expect(await store.trustedDevices.findByTokenHash(['k0:d1', 'k1:d1'], 4_999)).toEqual(device);
      expect(await store.trustedDevices.findByTokenHash(['k1:d1'], 5_000)).toBeUndefined();
      await store.trustedDevices.touch('d1', 2_000, '198.51.100.7');
      expect((await store.trustedDevices.listForUser('u1', 3_000))[0]).toMatchObject({
        id: 'd1',
        lastUsedAt: 2_000,
        lastIp: '198.51.100.7',
      });
      expect(await store.trustedDevices.delete('u2', 'd1')).toBe(false);
      expect(await store.trustedDevices.delete('u1', 'd1')).toBe(true);
      expect(await store.trustedDevices.deleteAllForUser('u1')).toBe(1);
      expect(await store.trustedDevices.listForUser('u1', 3_000)).toEqual([]);
    });

    it('stores a security key with its credential and finds it by credential ID, never registering one credential twice', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      expect(await store.factors.create(securityKey('f1', 'u1'), ['k1:a'])).toBe(true);
      expect(await store.factors.listForUser('u1')).toEqual([securityKey('f1', 'u1')]);
      expect(await store.factors.findByCredentialId('cred-f1')).toEqual(securityKey('f1', 'u1'));
      expect(await store.factors.findByCredentialId('cred-none')).toBeUndefined();

      expect(await store.factors.create(securityKey('f2', 'u2', 'cred-f1'), ['k1:b'])).toBe(false);
      expect(await store.factors.listForUser('u2')).toEqual([]);
      expect(await store.recoveryCodes.countUnused('u2')).toBe(0);
    });

    it('raises a signature counter only upwards, once under parallel calls, and never for a flagged key', async () => {
      await store.users.create(user('u1'));
      await store.factors.create(securityKey('f1', 'u1'), null);
      expect(await store.factors.acceptSignCount('f1', 5, false, 2_000)).toBe(false);
      expect(await store.factors.acceptSignCount('f1', 4, false, 2_000)).toBe(false);
      expect(await store.factors.acceptSignCount('f1', 0, false, 2_000)).toBe(false);
      const parallel = await Promise.all(Array.from({ length: 8 }, () => store.factors.acceptSignCount('f1', 6, true, 3_000)));
      expect(parallel.filter(Boolean)).toHaveLength(1);
      expect(await store.factors.findByCredentialId('cred-f1')).toMatchObject({
        lastUsedAt: 3_000,
        webauthn: { signCount: 6, backedUp: true, flaggedAt: null },
      });
      await store.factors.flagCredential('f1', 4_000);
      expect(await store.factors.acceptSignCount('f1', 7, true, 5_000)).toBe(false);
      expect((await store.factors.findByCredentialId('cred-f1'))?.webauthn?.flaggedAt).toBe(4_000);
    });

    it('accepts a zero counter again while it stays zero, for authenticators without one', async () => {
      await store.users.create(user('u1'));
      await store.factors.create(securityKey('f1', 'u1', 'cred-f1', 0), null);
      expect(await store.factors.acceptSignCount('f1', 0, false, 2_000)).toBe(true);
      expect(await store.factors.acceptSignCount('f1', 0, false, 3_000)).toBe(true);
      expect(await store.factors.acceptSignCount('f1', 1, false, 4_000)).toBe(true);
      expect(await store.factors.acceptSignCount('f1', 0, false, 5_000)).toBe(false);
    });

    it('renames only the owner’s factor', async () => {
      await store.users.create(user('u1'));
      await store.factors.create(securityKey('f1', 'u1'), null);
      expect(await store.factors.rename('u2', 'f1', 'Stolen')).toBe(false);
      expect(await store.factors.rename('u1', 'f1', 'Blue key')).toBe(true);
      expect((await store.factors.listForUser('u1'))[0]?.label).toBe('Blue key');
    });

    it('hands a WebAuthn challenge to exactly one of parallel callers, and never after it expires', async () => {
      await store.users.create(user('u1'));
      const challenge = {
        id: 'c1',
        challengeHash: 'k1:c1',
        purpose: 'register' as const,
        userId: 'u1',
        pendingSignInId: null,
        kind: 'security_key' as const,
        createdAt: 1_000,
        expiresAt: 5_000,
      };
      await store.webauthnChallenges.create(challenge);
      const parallel = await Promise.all(
        Array.from({ length: 8 }, () => store.webauthnChallenges.consume(['k0:c1', 'k1:c1'], 2_000)),
      );
      expect(parallel.filter(Boolean)).toEqual([challenge]);
      await store.webauthnChallenges.create({ ...challenge, id: 'c2', challengeHash: 'k1:c2' });
      expect(await store.webauthnChallenges.consume(['k1:c2'], 5_000)).toBeUndefined();
    });

    it('stores a factor with its recovery codes in one step and refuses the same secret twice', async () => {
      await store.users.create(user('u1'));
      expect(await store.factors.create(factor('f1', 'u1'), ['k1:a', 'k1:b'])).toBe(true);
      expect(await store.factors.create(factor('f2', 'u1', 'fp-f1'), ['k1:c'])).toBe(false);
      expect(await store.factors.listForUser('u1')).toEqual([factor('f1', 'u1')]);
      expect(await store.recoveryCodes.countUnused('u1')).toBe(2);
    });

    it('accepts only TOTP steps later than the last accepted one, once each under parallel calls', async () => {
      await store.users.create(user('u1'));
      await store.factors.create(factor('f1', 'u1'), null);
      expect(await store.factors.acceptTotpStep('f1', 10, 2_000)).toBe(false);
      expect(await store.factors.acceptTotpStep('f1', 9, 2_000)).toBe(false);
      const parallel = await Promise.all(Array.from({ length: 8 }, () => store.factors.acceptTotpStep('f1', 11, 2_000)));
      expect(parallel.filter(Boolean)).toHaveLength(1);
      expect((await store.factors.listForUser('u1'))[0]).toMatchObject({ lastUsedStep: 11, lastUsedAt: 2_000 });
    });

    it('consumes a recovery code once under parallel calls, only for its owner', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      await store.recoveryCodes.replace('u1', ['k1:a', 'k1:b'], 1_000);
      expect(await store.recoveryCodes.consume('u2', ['k1:a'], 2_000)).toBe(false);
      const parallel = await Promise.all(
        Array.from({ length: 8 }, () => store.recoveryCodes.consume('u1', ['k0:a', 'k1:a'], 2_000)),
      );
      expect(parallel.filter(Boolean)).toHaveLength(1);
      expect(await store.recoveryCodes.countUnused('u1')).toBe(1);
      await store.recoveryCodes.replace('u1', ['k1:c'], 3_000);
      expect(await store.recoveryCodes.consume('u1', ['k1:b'], 3_000)).toBe(false);
      expect(await store.recoveryCodes.countUnused('u1')).toBe(1);
    });

    it('removes the recovery codes with the last factor only', async () => {
      await store.users.create(user('u1'));
      await store.factors.create(factor('f1', 'u1'), ['k1:a']);
      await store.factors.create(factor('f2', 'u1'), null);
      expect(await store.factors.delete('u1', 'f1')).toBe(true);
      expect(await store.recoveryCodes.countUnused('u1')).toBe(1);
      expect(await store.factors.delete('u2', 'f2')).toBe(false);
      expect(await store.factors.delete('u1', 'f2')).toBe(true);
      expect(await store.recoveryCodes.countUnused('u1')).toBe(0);
    });

    it('consumes a pending sign-in exactly once and never after it expires', async () => {
      await store.users.create(user('u1'));
      const pending = {
        id: 'p1',
        tokenHash: 'k1:p1',
        userId: 'u1',
        amr: ['pwd' as const],
        firstFactorId: null,
        riskAssessmentId: 'ra1',
        createdAt: 1_000,
        expiresAt: 5_000,
      };
      await store.pendingSignIns.create(pending);
      expect(await store.pendingSignIns.findByTokenHash(['k1:p1'], 4_999)).toEqual(pending);
      expect(await store.pendingSignIns.findByTokenHash(['k1:p1'], 5_000)).toBeUndefined();
      const parallel = await Promise.all(Array.from({ length: 8 }, () => store.pendingSignIns.consume('p1', 2_000)));
      expect(parallel.filter(Boolean)).toHaveLength(1);
      await store.pendingSignIns.create({ ...pending, id: 'p2', tokenHash: 'k1:p2' });
      expect(await store.pendingSignIns.consume('p2', 5_000)).toBe(false);
    });

    it('counts parallel lockout claims exactly, locks at the threshold and starts over after the lock', async () => {
      await store.users.create(user('u1'));
      const claims = await Promise.all(Array.from({ length: 7 }, () => store.lockout.claim('u1', 1_000, 5, 60_000)));
      expect(claims.filter((claim) => claim.allowed)).toHaveLength(5);
      expect(claims.filter((claim) => !claim.allowed)).toEqual(Array(2).fill({ allowed: false, lockedUntil: 61_000 }));
      expect(await store.lockout.lockedUntil('u1')).toBe(61_000);
      expect(await store.lockout.claim('u1', 61_000, 5, 60_000)).toEqual({ allowed: true, failures: 1 });
      await store.lockout.reset('u1');
      expect(await store.lockout.claim('u1', 62_000, 5, 60_000)).toEqual({ allowed: true, failures: 1 });
    });

    it('keeps outbox messages whole and lists the newest first, up to the limit', async () => {
      const message = (subject: string) =>
        ({ channel: 'email', to: 'ada@example.com', purpose: 'sign_in_code', subject, text: `${subject}:\n\n482913\n` }) as const;
      await store.outbox.record(message('first'), 1_000);
      await store.outbox.record(message('third'), 3_000);
      await store.outbox.record({ ...message('second'), channel: 'sms', to: '+447700900123' }, 2_000);
      const latest = await store.outbox.latest(2);
      expect(latest).toEqual([
        { ...message('third'), id: expect.any(String), createdAt: 3_000 },
        { ...message('second'), channel: 'sms', to: '+447700900123', id: expect.any(String), createdAt: 2_000 },
      ]);
      expect(latest[0]!.id).not.toBe(latest[1]!.id);
    });

    const webhook = (
      id: string,
      orgId: string | null = null,
      overrides: Partial<WebhookSubscription> = {},
    ): WebhookSubscription => ({
      id,
      url: `https://hooks.example.com/${id}`,
      orgId,
      eventTypes: ['factor.added', 'account.locked'],
      secretSealed: `k1:sealed-${id}`,
      createdAt: 1_000,
      disabledAt: null,
      ...overrides,
    });
    const delivery = (id: string, subscriptionId: string, overrides: Partial<WebhookDelivery> = {}): WebhookDelivery => ({
      id,
      subscriptionId,
      eventType: 'factor.added',
      payload: `{"id":"${id}"}`,
      attempts: 0,
      nextAttemptAt: 1_000,
      status: 'pending',
      lastStatusCode: null,
      lastError: null,
      deliveredAt: null,
      createdAt: 1_000,
      ...overrides,
    });

    it('keeps webhooks, gives a person’s events to the live ones of the instance and of their organizations only, and forgets one with its deliveries', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      const policy = { mfa: 'optional' as const, roles: [], allowedMethods: [], graceDays: 0, graceSignIns: 0 };
      await store.organizations.create({ id: 'o1', name: 'Acme', createdAt: 1_000, policy });
      await store.organizations.create({ id: 'o2', name: 'Globex', createdAt: 1_000, policy });
      await store.organizations.putMember({ orgId: 'o1', userId: 'u1', role: 'member', createdAt: 1_000 });
      await store.webhookSubscriptions.create(webhook('all'));
      await store.webhookSubscriptions.create(webhook('acme', 'o1', { createdAt: 2_000 }));
      await store.webhookSubscriptions.create(webhook('globex', 'o2', { createdAt: 3_000 }));
      await store.webhookSubscriptions.create(webhook('off', null, { createdAt: 4_000, disabledAt: 4_500 }));
      const listening = async (userId: string) => (await store.webhookSubscriptions.listeningTo(userId)).map(({ id }) => id);
      expect(await listening('u1')).toEqual(['all', 'acme']);
      expect(await listening('u2')).toEqual(['all']);
      expect(await store.webhookSubscriptions.findById('acme')).toEqual(webhook('acme', 'o1', { createdAt: 2_000 }));
      expect((await store.webhookSubscriptions.list()).map(({ id }) => id)).toEqual(['all', 'acme', 'globex', 'off']);

      expect(await store.webhookSubscriptions.reseal('acme', 'k1:other', 'k2:resealed')).toBe(false);
      expect(await store.webhookSubscriptions.reseal('acme', 'k1:sealed-acme', 'k2:resealed')).toBe(true);
      expect((await store.webhookSubscriptions.findById('acme'))?.secretSealed).toBe('k2:resealed');

      await store.webhookDeliveries.enqueue([delivery('d1', 'acme'), delivery('d2', 'all')]);
      expect(await store.webhookSubscriptions.delete('acme')).toBe(true);
      expect(await store.webhookSubscriptions.delete('acme')).toBe(false);
      expect(await store.webhookDeliveries.listForSubscription('acme', 10)).toEqual([]);
      expect(await store.webhookDeliveries.listForSubscription('all', 10)).toEqual([delivery('d2', 'all')]);
    });

    it('leases each due webhook delivery to one of parallel claimers, lets only the lease holder record the attempt, and offers it again after its lease or retry time', async () => {
      await store.webhookSubscriptions.create(webhook('s1'));
      const due = ['d1', 'd2', 'd3', 'd4', 'd5'].map((id, index) => delivery(id, 's1', { createdAt: 1_000 + index }));
      await store.webhookDeliveries.enqueue([...due, delivery('later', 's1', { nextAttemptAt: 9_000 })]);

      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, index) => store.webhookDeliveries.claimDue(2_000, 60_000 + index, 5)),
      );
      const claimed = claims.flat();
      expect(claimed.map(({ id }) => id).sort()).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
      expect(claimed.map(({ attempts, status }) => [attempts, status])).toEqual(Array(5).fill([1, 'pending']));
      expect(await store.webhookDeliveries.claimDue(2_000, 70_000, 10)).toEqual([]);

      const leaseOf = (id: string) => claimed.find((each) => each.id === id)!.nextAttemptAt;
      const delivered = {
        status: 'delivered',
        nextAttemptAt: 3_000,
        lastStatusCode: 204,
        lastError: null,
        deliveredAt: 3_000,
      } as const;
      expect(await store.webhookDeliveries.settle('d1', leaseOf('d1') + 10, delivered)).toBe(false);
      expect(await store.webhookDeliveries.settle('d1', leaseOf('d1'), delivered)).toBe(true);
      expect(await store.webhookDeliveries.settle('d1', leaseOf('d1'), delivered)).toBe(false);
      const retry = { status: 'pending', nextAttemptAt: 5_000, lastStatusCode: 500, lastError: null, deliveredAt: null } as const;
      expect(await store.webhookDeliveries.settle('d2', leaseOf('d2'), retry)).toBe(true);

      expect((await store.webhookDeliveries.claimDue(10_000, 100_000, 10)).map(({ id, attempts }) => [id, attempts])).toEqual([
        ['later', 1],
        ['d2', 2],
      ]);
      // d3 to d5 were never settled, as after a crash: they come back once their lease ends.
      const afterLease = await store.webhookDeliveries.claimDue(60_005, 120_000, 10);
      expect(afterLease.map(({ id, attempts }) => [id, attempts])).toEqual([
        ['d3', 2],
        ['d4', 2],
        ['d5', 2],
      ]);
      expect((await store.webhookDeliveries.listForSubscription('s1', 2)).map(({ id }) => id)).toEqual(['d5', 'd4']);
      expect((await store.webhookDeliveries.listForSubscription('s1', 10)).find(({ id }) => id === 'd1')).toEqual(
        delivery('d1', 's1', { ...delivered, attempts: 1 }),
      );
    });

    it('gives up the pending deliveries of a disabled webhook, and forgets settled deliveries made before a time', async () => {
      await store.webhookSubscriptions.create(webhook('s1'));
      await store.webhookSubscriptions.create(webhook('s2'));
      await store.webhookDeliveries.enqueue([
        delivery('waiting', 's1'),
        delivery('old-delivered', 's2', { status: 'delivered', deliveredAt: 600, createdAt: 500 }),
        delivery('old-failed', 's2', { status: 'failed', createdAt: 500 }),
        delivery('old-pending', 's2', { createdAt: 500, nextAttemptAt: 50_000 }),
        delivery('new-delivered', 's2', { status: 'delivered', deliveredAt: 5_000, createdAt: 5_000 }),
      ]);
      expect(await store.webhookSubscriptions.disable('s1', 2_000)).toBe(true);
      expect(await store.webhookSubscriptions.disable('s1', 3_000)).toBe(false);
      expect(await store.webhookSubscriptions.disable('none', 3_000)).toBe(false);
      expect((await store.webhookSubscriptions.findById('s1'))?.disabledAt).toBe(2_000);
      expect((await store.webhookDeliveries.listForSubscription('s1', 10))[0]).toMatchObject({ id: 'waiting', status: 'failed' });
      expect(await store.webhookDeliveries.claimDue(10_000, 80_000, 10)).toEqual([]);

      expect(await store.webhookDeliveries.pruneSettled(1_000)).toBe(2);
      expect((await store.webhookDeliveries.listForSubscription('s2', 10)).map(({ id }) => id).sort()).toEqual([
        'new-delivered',
        'old-pending',
      ]);
    });

    it('undoes only the isolated work when it fails inside a transaction, which carries on and commits', async () => {
      await store.webhookSubscriptions.create(webhook('s1'));
      await store.transaction(async (trx) => {
        await trx.users.create(user('u1'));
        const failing = trx.webhookDeliveries.isolated(async () => {
          await trx.webhookDeliveries.enqueue([delivery('d1', 's1')]);
          // The same id again: the database refuses it, which on PostgreSQL would abort the whole transaction.
          await trx.webhookDeliveries.enqueue([delivery('d1', 's1')]);
        });
        await expect(failing).rejects.toThrow();
        await trx.users.create(user('u2'));
      });
      expect(await store.users.findById('u1')).toBeDefined();
      expect(await store.users.findById('u2')).toBeDefined();
      expect(await store.webhookDeliveries.listForSubscription('s1', 10)).toEqual([]);
      expect(await store.webhookDeliveries.isolated(async () => 'outside a transaction')).toBe('outside a transaction');
    });

    it('remembers completed sign-ins only: their devices, browsers and addresses since a time, and the newest place', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      const assessment = (id: string, at: number, overrides: Partial<RiskAssessment> = {}): RiskAssessment => ({
        id,
        userId: 'u1',
        at,
        ip: '81.2.69.142',
        deviceHash: 'k1:laptop',
        browserFamily: 'Chrome on Windows',
        location: { city: 'London', country: 'GB', latitude: 51.5143, longitude: -0.0912 },
        signals: [{ assessor: 'new_device', strength: 1, evidence: 'new' }],
        score: 0.7,
        confidence: 'low',
        decision: 'challenged',
        completedAt: null,
        ...overrides,
      });
      await store.riskAssessments.create(assessment('a1', 1_000));
      expect(
        await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', deviceHashes: ['k1:laptop'] }, 0),
      ).toBe(false);
      expect(await store.riskAssessments.lastLocated('u1')).toBeUndefined();

      await store.riskAssessments.markCompleted('a1', 1_500);
      expect(
        await store.riskAssessments.seenSince(
          'u1',
          { browserFamily: 'Chrome on Windows', deviceHashes: ['k2:other', 'k1:laptop'] },
          1_500,
        ),
      ).toBe(true);
      expect(
        await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', deviceHashes: ['k1:laptop'] }, 1_501),
      ).toBe(false);
      expect(
        await store.riskAssessments.seenSince('u1', { browserFamily: 'Firefox on macOS', deviceHashes: ['k1:laptop'] }, 0),
      ).toBe(false);
      expect(
        await store.riskAssessments.seenSince('u2', { browserFamily: 'Chrome on Windows', deviceHashes: ['k1:laptop'] }, 0),
      ).toBe(false);
      expect(await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', ip: '81.2.69.142' }, 0)).toBe(
        true,
      );
      expect(await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', ip: '1.1.1.1' }, 0)).toBe(false);

      const sydney = { city: 'Sydney', country: 'AU', latitude: -33.8688, longitude: 151.209 };
      await store.riskAssessments.create(assessment('a2', 2_000, { location: sydney, completedAt: 2_100 }));
      await store.riskAssessments.create(assessment('a3', 3_000, { location: null, completedAt: 3_100 }));
      await store.riskAssessments.create(assessment('a4', 4_000, { location: { ...sydney, city: 'Perth' } }));
      expect(await store.riskAssessments.lastLocated('u1')).toEqual({ at: 2_100, location: sydney });

      expect(await store.riskAssessments.pruneBefore(2_000)).toBe(1);
      expect(await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', ip: '81.2.69.142' }, 0)).toBe(
        true,
      );
      expect(
        await store.riskAssessments.seenSince('u1', { browserFamily: 'Chrome on Windows', deviceHashes: ['k1:laptop'] }, 0),
      ).toBe(true);
    });

    it('counts refused sign-ins from an address to other accounts and unknown ones, since a time', async () => {
      await store.users.create(user('u1'));
      await store.users.create(user('u2'));
      const refused = (userId: string | null, at: number, ip = '198.51.100.7') =>
        store.events.record({ type: 'sign_in_failed', userId, ip, at, outcome: 'failure' });
      await refused('u1', 1_000);
      await refused('u2', 1_000);
      await refused(null, 2_000);
      await refused(null, 500);
      await refused('u2', 2_000, '198.51.100.8');
      await store.events.record({ type: 'sign_in', userId: 'u2', ip: '198.51.100.7', at: 2_000, outcome: 'success' });
      expect(await store.events.countFailedSignInsFrom('198.51.100.7', 1_000, 'u1')).toBe(2);
      expect(await store.events.countFailedSignInsFrom('198.51.100.7', 0, 'u2')).toBe(3);
      expect(await store.events.countFailedSignInsFrom('198.51.100.9', 0, 'u1')).toBe(0);
    });

    it('keeps the OpenID Connect provider’s records: by id, uid or user code, until expiry, consumed, and forgotten with their grant', async () => {
      const records = store.oidcPayloads;
      await records.upsert('Interaction', 'i1', { payload: '{"a":1}', uid: 'u-1', expiresAt: 5_000 });
      await records.upsert('AccessToken', 't1', { payload: '{"b":2}', grantId: 'g1', expiresAt: null });
      await records.upsert('AccessToken', 't2', { payload: '{"c":3}', grantId: 'g2', expiresAt: null });
      await records.upsert('DeviceCode', 'd1', { payload: '{}', userCode: 'ABCD-EFGH', expiresAt: 5_000 });
      expect(await records.find('Interaction', 'i1', 4_999)).toEqual({ payload: '{"a":1}', consumedAt: null });
      expect(await records.find('Interaction', 'i1', 5_000)).toBeUndefined();
      expect(await records.find('AccessToken', 'i1', 1_000)).toBeUndefined();
      expect(await records.findBy('Interaction', 'uid', 'u-1', 1_000)).toEqual({ payload: '{"a":1}', consumedAt: null });
      expect(await records.findBy('DeviceCode', 'userCode', 'ABCD-EFGH', 1_000)).toEqual({ payload: '{}', consumedAt: null });

      await records.upsert('Interaction', 'i1', { payload: '{"a":2}', uid: 'u-1', expiresAt: 9_000 });
      expect(await records.find('Interaction', 'i1', 6_000)).toEqual({ payload: '{"a":2}', consumedAt: null });
      await records.consume('AccessToken', 't1', 2_000);
      expect(await records.find('AccessToken', 't1', 3_000)).toEqual({ payload: '{"b":2}', consumedAt: 2_000 });

      expect(await records.list('AccessToken', 3_000)).toEqual([
        { id: 't1', payload: '{"b":2}' },
        { id: 't2', payload: '{"c":3}' },
      ]);
      expect(await records.list('Interaction', 9_000)).toEqual([]);
      await records.revokeByGrantId('g1');
      expect(await records.find('AccessToken', 't1', 3_000)).toBeUndefined();
      expect(await records.find('AccessToken', 't2', 3_000)).toBeDefined();
      await records.destroy('AccessToken', 't2');
      expect(await records.find('AccessToken', 't2', 3_000)).toBeUndefined();
    });

    it('keeps API keys: found active by id until revoked, last use touched and a revocation that keeps its first time', async () => {
      const key = (id: string, createdAt: number): ApiKey => ({
        id,
        name: `App ${id}`,
        secretHash: `k1:${id}`,
        scopes: ['grants', 'people'],
        createdAt,
        lastUsedAt: null,
        revokedAt: null,
        createdBy: 'cli',
      });
      await store.apiKeys.create(key('key_a', 1_000));
      await store.apiKeys.create(key('key_b', 2_000));
      expect(await store.apiKeys.findActive('key_a')).toEqual(key('key_a', 1_000));
      expect(await store.apiKeys.findActive('key_c')).toBeUndefined();

      await store.apiKeys.touch('key_a', 3_000);
      await store.apiKeys.rehash('key_a', 'k2:key_a');
      expect(await store.apiKeys.findActive('key_a')).toMatchObject({ lastUsedAt: 3_000, secretHash: 'k2:key_a' });

      const revocations = await Promise.all([store.apiKeys.revoke('key_a', 4_000), store.apiKeys.revoke('key_a', 4_000)]);
      expect(revocations.sort()).toEqual([false, true]);
      expect(await store.apiKeys.revoke('key_a', 5_000)).toBe(false);
      expect(await store.apiKeys.revoke('key_c', 5_000)).toBe(false);
      expect(await store.apiKeys.findActive('key_a')).toBeUndefined();
      expect(await store.apiKeys.findById('key_a')).toMatchObject({ revokedAt: 4_000 });
      expect((await store.apiKeys.list()).map(({ id, revokedAt }) => ({ id, revokedAt }))).toEqual([
        { id: 'key_b', revokedAt: null },
        { id: 'key_a', revokedAt: 4_000 },
      ]);
    });
  });
}
