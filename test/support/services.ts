import { existsSync } from 'node:fs';
import pg from 'pg';

/** Under CI a missing service or browser fails the run; on a person's machine its suite is skipped. */
export const inCi = process.env.CI === 'true';

export const postgresUrl = process.env.TESSERA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
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

export function chromiumInstalled(): boolean {
  return existsSync(chromiumPath);
}
