import { createClient, type RedisClientType } from 'redis';

/**
 * Connects to Redis, refusing to start when it cannot be reached. Once connected, commands
 * issued while the connection is down fail at once instead of queueing, and the client
 * reconnects in the background with a growing delay (at most 2 s).
 */
export async function connectRedis(url: string): Promise<RedisClientType> {
  let connected = false;
  const client: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries, cause) => (connected ? Math.min(retries * 100, 2000) : cause),
    },
  });
  // Without a listener node-redis throws connection errors; reconnecting is its job, readiness reports them.
  client.on('error', () => undefined);
  client.on('ready', () => (connected = true));
  await client.connect();
  return client;
}
