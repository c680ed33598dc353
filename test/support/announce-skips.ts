import { chromiumInstalled, chromiumPath, inCi, postgresReachable, postgresUrl, redisReachable, redisUrl } from './services.js';

/** Says once, before any test runs, which suites will be skipped and how to enable them. */
export default async function announceSkips(): Promise<void> {
  const missing: string[] = [];
  if (!(await postgresReachable())) {
    missing.push(`PostgreSQL at ${postgresUrl} (start it, or set TESSERA_TEST_POSTGRES_URL): the PostgreSQL store suites`);
  }
  if (!(await redisReachable())) {
    missing.push(`Redis at ${redisUrl} (start it, or set TESSERA_TEST_REDIS_URL): the Redis rate-limit and two-instance suites`);
  }
  if (!chromiumInstalled()) {
    missing.push(`Chromium at ${chromiumPath} (apt-get install -y chromium, or set TESSERA_TEST_CHROMIUM): the browser suites`);
  }
  if (missing.length === 0) return;
  if (inCi) throw new Error(`CI=true and these are missing:\n  - ${missing.join('\n  - ')}`);
  process.stderr.write(`\nNOTICE: skipping suites that need what this machine lacks:\n  - ${missing.join('\n  - ')}\n\n`);
}
