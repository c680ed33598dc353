import { configSchema, type TesseraConfig } from '../../src/config.js';
import { type CoreDeps, newId } from '../../src/core/deps.js';
import type { User } from '../../src/core/ports.js';
import { newTotpSecret } from '../../src/core/factors/totp.js';
import { afterFirstFactor } from '../../src/core/flows/after-first-factor.js';
import { factorSecretContext } from '../../src/core/factors/factor-secret.js';
import { argon2Hasher } from '../../src/crypto/argon2-hasher.js';
import { createServer } from '../../src/server.js';

export const benchPassword = 'bench horse battery staple';
export const benchKeys = `bench1:${Buffer.alloc(32, 42).toString('base64')}`;

/** An account with a confirmed address, written straight to the store (no event): seeding is not what is measured. */
export async function seedUser(deps: Pick<CoreDeps, 'store' | 'random'>, email: string, passwordHash: string): Promise<User> {
  const now = Date.now();
  const user: User = {
    id: newId(deps.random),
    email,
    passwordHash,
    createdAt: now,
    emailVerifiedAt: now,
    mfaSetupRequired: false,
    mfaResetAt: null,
    deletionDueAt: null,
    mfaEnforcedAt: null,
    enforcedSignIns: 0,
  };
  await deps.store.users.create(user);
  return user;
}

/** The environment a benchmarked Tessera process runs with. */
export function tesseraEnv(databaseUrl: string, port: number, dataDir: string): Record<string, string> {
  return {
    NODE_ENV: 'development',
    TESSERA_DATABASE_URL: databaseUrl,
    TESSERA_SERVER_HOST: '127.0.0.1',
    TESSERA_SERVER_PORT: String(port),
    TESSERA_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
    TESSERA_SECRETS_KEYS: benchKeys,
    // The load generator is one loopback address; the per-IP budget would stop it at once.
    TESSERA_THROTTLING_IP_ATTEMPTS: '1000000000',
    TESSERA_LOGGING_LEVEL: 'warn',
    TESSERA_DATA_DIR: dataDir,
  };
}

export interface SeededUser {
  email: string;
  secret: string;
  /** Cookie header of a pending sign-in waiting for this user's code, when one was made. */
  pendingCookie?: string;
}

/**
 * Accounts with an active authenticator app, written through Tessera's own store and core
 * (the same rows a real enrollment leaves), optionally each with a pending sign-in. Every
 * account shares one argon2id hash of `benchPassword`, so seeding does not spend minutes hashing;
 * a sign-in still verifies it at full cost.
 */
export async function seedTessera(
  databaseUrl: string,
  dataDir: string,
  options: { users: number; prefix: string; pending: boolean },
): Promise<SeededUser[]> {
  const config: TesseraConfig = {
    ...configSchema.parse({
      database: { url: databaseUrl },
      dataDir,
      secrets: { keys: [{ id: 'bench1', secret: benchKeys.slice(7) }] },
    }),
    mode: 'development',
  };
  const server = await createServer(config, { warn: () => undefined });
  const { deps } = server;
  const passwordHash = await argon2Hasher.hash(benchPassword);
  const seeded: SeededUser[] = [];
  for (let i = 0; i < options.users; i++) {
    const user = await seedUser(deps, `${options.prefix}-${i}@bench.example`, passwordHash);
    const secret = newTotpSecret(deps.random);
    const factorId = newId(deps.random);
    await deps.store.factors.create(
      {
        id: factorId,
        userId: user.id,
        kind: 'totp',
        label: 'Authenticator app',
        secretSealed: deps.secretBox.seal(secret, factorSecretContext({ userId: user.id, id: factorId })),
        secretFingerprint: deps.keyedHash.hash(`totp-secret:${secret}`),
        lastUsedStep: null,
        createdAt: user.createdAt,
        lastUsedAt: null,
        primary: true,
        webauthn: null,
      },
      null,
    );
    let pendingCookie: string | undefined;
    if (options.pending) {
      const outcome = await afterFirstFactor(deps, { user, amr: ['pwd'], ip: '127.0.0.1' });
      if (outcome.kind !== 'second_factor_required') throw new Error('seeded user has no second factor');
      pendingCookie = `tessera_pending=${outcome.pendingToken}`;
    }
    seeded.push({ email: user.email, secret, pendingCookie });
  }
  await server.close();
  return seeded;
}
