import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { configSchema, type TesseraConfig } from '../../src/config.js';
import { createServer, type TesseraServer } from '../../src/server.js';
import { testConfig } from './test-server.js';

/**
 * A real server on a loopback port with real argon2, for browser tests. The public URL is
 * set to the port it got, so the Origin check sees the browser's own origin; security notices
 * go out every second, without the quiet interval, so a test sees them soon.
 */
export async function startLiveServer(
  overrides: Parameters<typeof testConfig>[0] = {},
): Promise<TesseraServer & { url: string; config: TesseraConfig }> {
  const base = testConfig({ securityNotices: { sweepSeconds: 1, minimumIntervalMinutes: 0 }, ...overrides });
  const port = await freePort();

  const url = `http://localhost:${port}`;
  const config: TesseraConfig = { ...base, server: configSchema.shape.server.parse({ ...base.server, publicUrl: url, port }) };
  const server = await createServer(config, { warn: () => undefined });
  await server.app.listen({ host: '127.0.0.1', port });
  return { ...server, url, config };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}
