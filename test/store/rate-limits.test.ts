import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseKinds, rateLimitStores } from '../support/databases.js';
import { redisUrl } from '../support/services.js';
import { startTestServer, testConfig, type TestServer } from '../support/test-server.js';

const combinations = databaseKinds.flatMap((database) => rateLimitStores.map((store) => [database, store] as const));

describe.each(combinations)('per-IP budgets on %s, kept in the %s', (database, store) => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  const start = async () => {
    const config = testConfig(
      { throttling: { ipAttempts: 30, ipWindowSeconds: 60 }, ...(store === 'redis' ? { redis: { url: redisUrl } } : {}) },
      database,
    );
    const server = await startTestServer({ database, config });
    servers.push(server);
    return server.deps.ipLimiter;
  };

  it('allows exactly the budget under parallel requests and says when to come back', async () => {
    const limiter = await start();
    const key = `ip:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 35 }, () => limiter.consume(key)));
    expect(results.filter((result) => result.allowed)).toHaveLength(30);
    const refused = results.find((result) => !result.allowed);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: expect.any(Number) });
    expect(refused && !refused.allowed && refused.retryAfterMs).toBeGreaterThan(50_000);
    expect(await limiter.consume(`ip:${randomUUID()}`)).toEqual({ allowed: true });
  });

  it.runIf(store === 'redis')('shares one budget between instances that share Redis', async () => {
    const [first, second] = [await start(), await start()];
    const key = `ip:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 40 }, (_, index) => (index % 2 ? first : second).consume(key)));
    expect(results.filter((result) => result.allowed)).toHaveLength(30);
  });
});

describe('Redis at start', () => {
  it('refuses to start when Redis cannot be reached, rather than run without its limits', async () => {
    await expect(startTestServer({ config: testConfig({ redis: { url: 'redis://127.0.0.1:1' } }) })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
