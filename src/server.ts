import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { configWarnings, type TesseraConfig } from './config.js';
import type { CoreDeps } from './core/deps.js';
import { trustAttestationRoots } from './core/factors/webauthn.js';
import type { Clock, PasswordHasher } from './core/ports.js';
import { argon2Hasher } from './crypto/argon2-hasher.js';
import { createDelivery } from './delivery/create-delivery.js';
import { createGrantSigner } from './crypto/grant-signer.js';
import { loadKeyring, systemRandom } from './crypto/keyring.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './metrics.js';
import { startSweeper, type Swept } from './sweeper.js';
import type { WebhooksDelivered } from './core/flows/webhook-deliveries.js';
import { startWebhookWorker } from './webhooks/worker.js';
import { createRedisRateLimiter, createStoreRateLimiter } from './store/ip-limiter.js';
import { bundledGeoipDatabases, createGeoIp, dbIpCredit } from './network/geoip.js';
import { watchUntrustedNetworks } from './network/untrusted-networks.js';
import { createKyselyStore } from './store/kysely-store.js';
import { migrateToLatest, openConfiguredDatabase, type OpenDatabase, pendingMigrations } from './store/open-database.js';

export const systemClock: Clock = { now: () => Date.now() };

export interface TesseraServer {
  app: FastifyInstance;
  deps: CoreDeps;
  /** The ids of the server keys, current first. */
  keyIds: string[];
  /** Does the waiting work that is due now — security notices, due account deletions — which the server also does on a timer. */
  sweep(): Promise<Swept>;
  /** Sends the webhook deliveries that are due now, which the server also does on a timer. */
  deliverWebhooks(): Promise<WebhooksDelivered>;
  close(): Promise<void>;
}

/** Replacements for tests: a movable clock, a counting hasher, a PostgreSQL schema. */
export interface ServerOverrides {
  clock?: Clock;
  passwords?: PasswordHasher;
  databaseSchema?: string;
  /** The pino logger of the HTTP app and message delivery; without one nothing is logged. */
  logger?: FastifyBaseLogger;
  warn?: (message: string) => void;
  /** Do waiting work only when `sweep()` (and `deliverWebhooks()`) is called, so a test decides when time has passed. */
  manualSweeps?: boolean;
}

/** Without migrations at start, a schema behind this version stops the start: it would fail request by request. */
async function assertMigrated(database: OpenDatabase): Promise<void> {
  const pending = await pendingMigrations(database);
  if (pending.length > 0) {
    throw new TypeError(`The database schema is behind this version (${pending.join(', ')} not run): run tessera migrate first.`);
  }
}

/** Opens and migrates the database, wires the adapters into the core and builds the HTTP app. */
export async function createServer(config: TesseraConfig, overrides: ServerOverrides = {}): Promise<TesseraServer> {
  const warn = overrides.warn ?? ((message: string) => process.stderr.write(`\n  ⚠  ${message}\n\n`));
  for (const warning of configWarnings(config)) warn(warning);
  const keyring = loadKeyring(config, warn);
  if (config.webauthn.attestation === 'direct') {
    await trustAttestationRoots(config.webauthn.trustRoots.map((file) => readFileSync(file, 'utf8')));
  }
  const database = await openConfiguredDatabase(config, overrides.databaseSchema);
  if (config.database.migrateOnStart) await migrateToLatest(database);
  else await assertMigrated(database);
  // node-redis (about 19 MB) loads only where Redis is configured.
  const redis = config.redis.url ? await (await import('./store/redis.js')).connectRedis(config.redis.url) : undefined;
  const ipBudget = { points: config.throttling.ipAttempts, windowSeconds: config.throttling.ipWindowSeconds };
  const logger = overrides.logger ?? pino({ enabled: false });
  const store = createKyselyStore(database);
  const clock = overrides.clock ?? systemClock;
  const metrics = createMetrics(() => {
    const now = clock.now();
    return store.sessions.countActive(now, now - config.sessions.idleTimeoutMinutes * 60_000);
  });
  const { adaptive } = config;
  const geoIp =
    adaptive.geoipDatabases.length > 0 ? createGeoIp(adaptive.geoipDatabases) : createGeoIp(bundledGeoipDatabases(), dbIpCredit);
  // An organization can turn adaptive sign-in on at any time, so otherwise the database loads at its first lookup.
  if (adaptive.policy === 'adaptive') await geoIp.load();
  const untrustedNetworks = watchUntrustedNetworks(adaptive.untrustedIpLists, { warn });
  const deps: CoreDeps = {
    store,
    clock,
    random: systemRandom,
    passwords: overrides.passwords ?? argon2Hasher,
    keyedHash: keyring,
    secretBox: keyring,
    ipLimiter: redis ? await createRedisRateLimiter(redis, ipBudget) : await createStoreRateLimiter(database, ipBudget),
    delivery: createDelivery(config, database, logger, metrics.send),
    grants: createGrantSigner({
      keys: store.signingKeys,
      secretBox: keyring,
      random: systemRandom,
      issuer: config.server.publicUrl,
      now: () => clock.now(),
    }),
    geoIp,
    untrustedNetworks,
    metrics,
    log: logger,
    settings: config,
  };
  let closing = false;
  const readiness = async () => ({
    // A load balancer stops sending new requests once this instance is shutting down.
    accepting: !closing,
    database: await database.ping().then(
      () => true,
      () => false,
    ),
    ...(redis
      ? {
          redis: await redis.ping().then(
            (answer) => answer === 'PONG',
            () => false,
          ),
        }
      : {}),
  });
  const app = await buildApp({ config, deps, logger: overrides.logger, metrics, readiness });
  const sweeper = startSweeper(deps, logger, !overrides.manualSweeps);
  const webhooks = startWebhookWorker(deps, config.webhooks, logger, !overrides.manualSweeps);
  return {
    app,
    deps,
    keyIds: keyring.keyIds(),
    sweep: sweeper.sweep,
    deliverWebhooks: webhooks.run,
    async close() {
      closing = true;
      await app.close();
      await sweeper.stop();
      await webhooks.stop();
      untrustedNetworks.close();
      await redis?.quit();
      await database.close();
    },
  };
}
