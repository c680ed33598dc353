import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/core/ports.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import type { OpenDatabase } from '../../src/store/open-database.js';
import { capturedLog, migratedDatabase, startWebhookReceiver } from '../support/delivery.js';
import { testConfig } from '../support/test-server.js';

const secret = 'a shared secret of more than 32 characters';
const message: OutboundMessage = {
  channel: 'sms',
  to: '+447700900123',
  purpose: 'sign_in_code',
  subject: '',
  text: 'Your Acme code is 482913 — don’t share it.',
};

let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
let database: OpenDatabase | undefined;
afterEach(async () => {
  await receiver?.close();
  await database?.close();
  receiver = database = undefined;
});

async function sendThrough(
  answer: (response: ServerResponse, url: string) => void,
  options: { receiverSecret?: string; timeoutMs?: number } = {},
) {
  receiver = await startWebhookReceiver(options.receiverSecret ?? secret, answer);
  const config = testConfig({
    delivery: { webhook: { url: `${receiver.url}/messages`, secret, timeoutMs: options.timeoutMs ?? 5000 } },
  });
  database = await migratedDatabase(config);
  const log = capturedLog();
  const result = await createDelivery(config, database, log.logger).send(message);
  return { result, received: receiver.received, log };
}

const ok = (response: ServerResponse) => response.writeHead(200).end('{"ok":true}');

describe('the webhook provider', () => {
  it('posts each message as JSON signed with the shared secret over the timestamp and the raw body', async () => {
    const before = Date.now();
    const { result, received } = await sendThrough(ok);

    expect(result).toEqual({ delivered: true, provider: 'webhook' });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.url).toBe('/messages');
    expect(request!.signatureValid).toBe(true);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-tessera-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    const body = JSON.parse(request!.body) as Record<string, unknown>;
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      channel: 'sms',
      to: '+447700900123',
      purpose: 'sign_in_code',
      subject: '',
      text: message.text,
      sentAt: expect.any(String),
    });
    expect(Date.parse(body.sentAt as string)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('signs so that a gateway holding another secret refuses the request', async () => {
    const { received } = await sendThrough(ok, { receiverSecret: 'not the secret Tessera was given, also long' });
    expect(received[0]!.signatureValid).toBe(false);
  });

  it('reports an error answer as not delivered and logs the status, not the text or the number', async () => {
    const { result, log } = await sendThrough((response) => response.writeHead(500).end('gateway exploded: +447700900123'));

    expect(result).toEqual({ delivered: false, provider: 'webhook' });
    expect(log.lines()).toEqual([
      expect.objectContaining({
        level: 40,
        provider: 'webhook',
        channel: 'sms',
        outcome: 'failed',
        reason: 'HTTP 500',
        to: '***23',
      }),
    ]);
    expect(log.raw.join('')).not.toContain('482913');
    expect(log.raw.join('')).not.toContain('+447700900123');
  });

  it('gives up on a gateway that does not answer within the timeout', async () => {
    const { result, log } = await sendThrough(() => undefined, { timeoutMs: 200 });

    expect(result).toEqual({ delivered: false, provider: 'webhook' });
    const [line] = log.lines();
    expect(line).toMatchObject({ outcome: 'failed', reason: 'no answer within 200 ms' });
    expect(line!.latencyMs).toBeLessThan(2000);
  });

  it('does not follow a redirect, which would carry the code somewhere nobody configured', async () => {
    const { result, received } = await sendThrough((response, url) =>
      url === '/messages' ? response.writeHead(307, { location: '/elsewhere' }).end() : ok(response),
    );

    expect(result.delivered).toBe(false);
    expect(received.map((request) => request.url)).toEqual(['/messages']);
  });
});
