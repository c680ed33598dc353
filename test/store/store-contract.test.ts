import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Session, Store, User } from '../../src/core/ports.js';
import { databaseKinds } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const user = (id: string, email = `${id}@example.com`): User => ({ id, email, passwordHash: 'hash', createdAt: 1_000 });
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
});

describe.each(databaseKinds)('store contract on %s', (database) => {
  let server: TestServer;
  let store: Store;
  beforeEach(async () => {
    server = await startTestServer({ database });
    store = server.deps.store;
  });
  afterEach(() => server.close());

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
    await store.events.record({ type: 'sign_up', userId: 'u1', ip: '192.0.2.1', at: 1 });
    await store.events.record({ type: 'sign_in', userId: 'u1', ip: '192.0.2.1', at: 2, detail: { amr: ['pwd'] } });
    await store.events.record({ type: 'sign_in_failed', userId: null, ip: '192.0.2.9', at: 3 });
    expect(await store.events.listForUser('u1', 10)).toEqual([
      { type: 'sign_in', userId: 'u1', ip: '192.0.2.1', at: 2, detail: { amr: ['pwd'] } },
      { type: 'sign_up', userId: 'u1', ip: '192.0.2.1', at: 1 },
    ]);
  });

  it('limits requests per IP in the database with the configured budget', async () => {
    const limiter = server.deps.ipLimiter;
    const results = await Promise.all(Array.from({ length: 35 }, () => limiter.consume('ip:198.51.100.7')));
    expect(results.filter((result) => result.allowed)).toHaveLength(30);
    expect(await limiter.consume('ip:198.51.100.8')).toEqual({ allowed: true });
  });
});
