import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { configSchema, type TesseraConfig } from '../../src/config.js';
import type { Clock, Delivery, PasswordHasher } from '../../src/core/ports.js';
import { createServer, type ServerOverrides, type TesseraServer } from '../../src/server.js';
import { postgresUrl } from './services.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(public current = Date.UTC(2026, 10, 22, 12)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** A cheap, deterministic password hasher that counts its calls; real argon2 is tested on its own. */
export class CountingHasher implements PasswordHasher {
  hashes = 0;
  verifications = 0;
  async hash(password: string): Promise<string> {
    this.hashes++;
    return `test$${Buffer.from(password).toString('base64')}`;
  }
  async verify(hash: string, password: string): Promise<boolean> {
    this.verifications++;
    return hash === `test$${Buffer.from(password).toString('base64')}`;
  }
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

/** A development configuration on a throwaway data directory, with overrides. */
export function testConfig(overrides: DeepPartial<TesseraConfig> = {}, database: DatabaseKind = 'sqlite'): TesseraConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-test-'));
  const { mode = 'development', ...rest } = overrides;
  const parsed = configSchema.parse({
    dataDir,
    database: { url: database === 'sqlite' ? `sqlite:${join(dataDir, 'tessera.db')}` : postgresUrl },
    secrets: { keys: [{ id: 'test1', secret: randomBytes(32).toString('base64') }] },
    ...rest,
  });
  return { ...parsed, mode };
}

/** A fresh PostgreSQL schema for one test file, dropped by the returned function. */
export async function freshPostgresSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = `tessera_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    schema,
    drop: async () => {
      const dropper = new pg.Client({ connectionString: postgresUrl });
      await dropper.connect();
      await dropper.query(`drop schema ${schema} cascade`);
      await dropper.end();
    },
  };
}

export interface TestServer extends TesseraServer {
  clock: TestClock;
  config: TesseraConfig;
  /** Sweeps, and returns how many security notices went out. */
  sweepNotices(): Promise<number>;
}

/** A server on a fresh database with a test clock; `close()` removes the PostgreSQL schema too. */
export async function startTestServer(
  options: {
    config?: TesseraConfig;
    database?: DatabaseKind;
    passwords?: PasswordHasher;
    clock?: TestClock;
    logger?: ServerOverrides['logger'];
    /**
     * Wraps the server's message delivery (the development outbox unless configured), to count
     * what is sent or to make sending fail; the core sends through what this returns.
     */
    delivery?: (real: Delivery) => Delivery;
    /** A PostgreSQL schema the test made (and drops) itself, instead of a fresh one. */
    databaseSchema?: string;
  } = {},
): Promise<TestServer> {
  const database = options.database ?? 'sqlite';
  const config = options.config ?? testConfig({}, database);
  const clock = options.clock ?? new TestClock();
  const postgres = database === 'postgres' && !options.databaseSchema ? await freshPostgresSchema() : undefined;
  const server = await createServer(config, {
    clock,
    passwords: options.passwords ?? new CountingHasher(),
    databaseSchema: options.databaseSchema ?? postgres?.schema,
    warn: () => undefined,
    manualSweeps: true,
    logger: options.logger,
  });
  // Every flow, page and worker reads the one deps object at call time, so replacing its delivery here reaches them all.
  if (options.delivery) server.deps.delivery = options.delivery(server.deps.delivery);
  return {
    ...server,
    clock,
    config,
    sweepNotices: async () => (await server.sweep()).notices,
    async close() {
      await server.close();
      await postgres?.drop();
    },
  };
}
