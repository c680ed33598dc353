import { existsSync } from 'node:fs';
import pg from 'pg';
import { createClient } from 'redis';

/** Under CI a missing service or browser fails the run; on a person's machine its suite is skipped. */
export const inCi = process.env.CI === 'true';

export const postgresUrl = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TESSERA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const chromiumPath = process.env.TESSERA_TEST_CHROMIUM ?? '/usr/bin/chromium';

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisReachable(): Promise<boolean> {
  const client = createClient({ url: redisUrl, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.quit();
  }
}

export function chromiumInstalled(): boolean {
  return existsSync(chromiumPath);
}
