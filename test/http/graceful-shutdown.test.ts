import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startInstance } from '../support/instances.js';
import { freePort } from '../support/live-server.js';
import { password } from '../support/mfa.js';

/** A delivery webhook that answers after `delayMs`, so a sign-up that sends its email stays in flight. */
function slowWebhook(delayMs: number): Promise<{ url: string; server: Server; received: number }> {
  return new Promise((resolve) => {
    const state = { url: '', server: undefined as unknown as Server, received: 0 };
    state.server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        state.received += 1;
        setTimeout(() => response.writeHead(200).end('{}'), delayMs);
      });
    }).listen(0, '127.0.0.1', () => {
      state.url = `http://127.0.0.1:${(state.server.address() as { port: number }).port}/messages`;
      resolve(state);
    });
  });
}

describe('shutting down', () => {
  let webhook: Awaited<ReturnType<typeof slowWebhook>> | undefined;
  afterEach(() => webhook?.server.close());

  it('answers the requests in flight when told to stop, then exits', async () => {
    webhook = await slowWebhook(1500);
    const port = await freePort();
    const instance = await startInstance(port, {
      TESSERA_DATABASE_URL: `sqlite:/tmp/tessera-shutdown-${port}.db`,
      TESSERA_DATA_DIR: `/tmp/tessera-shutdown-${port}`,
      TESSERA_SERVER_PUBLIC_URL: `http://127.0.0.1:${port}`,
      TESSERA_DELIVERY_WEBHOOK_URL: webhook.url,
      TESSERA_DELIVERY_WEBHOOK_SECRET: 's'.repeat(40),
      TESSERA_DELIVERY_EMAIL_PROVIDERS: 'webhook',
    });
    const signUp = fetch(`${instance.url}/api/v1/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: instance.url },
      body: JSON.stringify({ email: 'ada@example.com', password }),
    });
    await expect.poll(() => webhook!.received, { timeout: 10_000 }).toBe(1);
    const stopped = instance.stop();
    const answered = await signUp;
    expect(answered.status).toBe(201);
    expect(await stopped).toBe(0);
    await expect(fetch(`${instance.url}/healthz`)).rejects.toThrow();
  });
});
