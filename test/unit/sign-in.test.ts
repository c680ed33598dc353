import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resumeSession } from '../../src/core/flows/session.js';
import { signInWithPassword } from '../../src/core/flows/sign-in.js';
import { signUp } from '../../src/core/flows/sign-up.js';
import { password } from '../support/mfa.js';
import { CountingHasher, startTestServer, testConfig, type TestServer } from '../support/test-server.js';

let server: TestServer;
let hasher: CountingHasher;

beforeEach(async () => {
  hasher = new CountingHasher();
  server = await startTestServer({ passwords: hasher, config: testConfig({ throttling: { ipAttempts: 1000 } }) });
  await signUp(server.deps, { email: 'ada@example.com', password, ip: '192.0.2.1' });
});
afterEach(() => server.close());

const attempt = (email: string, pw: string) =>
  signInWithPassword(server.deps, { email, password: pw, ip: '192.0.2.1' }).then(
    () => 'signed in',
    (error: { code: string }) => error.code,
  );

describe('password sign-in', () => {
  it('signs in with the right password, ignoring case and spaces around the email', async () => {
    expect(await attempt('  Ada@Example.com ', password)).toBe('signed in');
  });

  it('does the same password-hash work for an unknown account as for a known one', async () => {
    await attempt('ada@example.com', 'wrong password here'); // warms the one-time dummy hash
    const before = { hashes: hasher.hashes, verifications: hasher.verifications };
    expect(await attempt('ada@example.com', 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
    const known = { hashes: hasher.hashes - before.hashes, verifications: hasher.verifications - before.verifications };
    const middle = { hashes: hasher.hashes, verifications: hasher.verifications };
    expect(await attempt('nobody@example.com', 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
    const unknown = { hashes: hasher.hashes - middle.hashes, verifications: hasher.verifications - middle.verifications };
    expect(unknown).toEqual(known);
    expect(known.verifications).toBe(1);
  });

  it('makes each attempt wait longer after the free failures, for known and unknown accounts alike', async () => {
    for (const email of ['ada@example.com', 'nobody@example.com']) {
      for (let i = 0; i < 5; i++) expect(await attempt(email, 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
      expect(await attempt(email, 'wrong password here')).toBe('ERR_THROTTLED');
      server.clock.advance(2_000);
      expect(await attempt(email, 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
      server.clock.advance(2_000);
      expect(await attempt(email, 'wrong password here')).toBe('ERR_THROTTLED');
      server.clock.advance(2_000);
      expect(await attempt(email, 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
    }
  });

  it('never locks the account for good: once the wait is over the right password works', async () => {
    for (let i = 0; i < 12; i++) {
      await attempt('ada@example.com', 'wrong password here');
      server.clock.advance(1_000_000);
    }
    expect(await attempt('ada@example.com', password)).toBe('signed in');
    expect(await attempt('ada@example.com', 'wrong password here')).toBe('ERR_INVALID_CREDENTIALS');
    expect(await attempt('ada@example.com', password)).toBe('signed in');
  });

  it('counts parallel wrong passwords one by one, so a burst cannot slip past the delay', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, () => attempt('ada@example.com', 'wrong password here')));
    expect(results.filter((code) => code === 'ERR_INVALID_CREDENTIALS')).toHaveLength(5);
    expect(results.filter((code) => code === 'ERR_THROTTLED')).toHaveLength(7);
  });
});

describe('sessions', () => {
  const signIn = async () => {
    const outcome = await signInWithPassword(server.deps, { email: 'ada@example.com', password, ip: '192.0.2.1' });
    if (outcome.kind !== 'signed_in') throw new Error('expected a session for an account without a second factor');
    return outcome;
  };

  it('issues a new 256-bit token at each sign-in and stores only its keyed hash', async () => {
    const first = await signIn();
    const second = await signIn();
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    expect(first.token).not.toBe(second.token);
    expect(first.session.tokenHash).toMatch(/^test1:/);
    expect(first.session.tokenHash).not.toContain(first.token);
    expect(first.session).toMatchObject({ aal: 1, amr: ['pwd'] });
  });

  it('ends a session after the idle timeout', async () => {
    const { token } = await signIn();
    server.clock.advance(59 * 60_000);
    expect(await resumeSession(server.deps, token)).toBeDefined();
    server.clock.advance(59 * 60_000);
    expect(await resumeSession(server.deps, token)).toBeDefined();
    server.clock.advance(60 * 60_000);
    expect(await resumeSession(server.deps, token)).toBeUndefined();
  });

  it('ends an active session at the absolute timeout', async () => {
    const { token } = await signIn();
    for (let hour = 1; hour < 24; hour++) {
      server.clock.advance(55 * 60_000);
      expect(await resumeSession(server.deps, token), `hour ${hour}`).toBeDefined();
    }
    server.clock.advance(5 * 60 * 60_000);
    expect(await resumeSession(server.deps, token)).toBeUndefined();
  });

  it('resolves no session for an unknown token', async () => {
    expect(await resumeSession(server.deps, 'not-a-token')).toBeUndefined();
  });
});
