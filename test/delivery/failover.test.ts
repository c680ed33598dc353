import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { TesseraConfig } from '../../src/config.js';
import type { OutboundMessage } from '../../src/core/ports.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import { createKyselyStore } from '../../src/store/kysely-store.js';
import type { OpenDatabase } from '../../src/store/open-database.js';
import { capturedLog, migratedDatabase, startTwilioImitation, startWebhookReceiver } from '../support/delivery.js';
import { testConfig } from '../support/test-server.js';

const secret = 'a shared secret of more than 32 characters';
const account = { sid: 'AC0123456789abcdef0123456789abcdef', token: 'the auth token of the test account' };
const sms: OutboundMessage = {
  channel: 'sms',
  to: '+12025550143',
  purpose: 'sign_in_code',
  subject: '',
  text: 'Your Acme code is 482913.',
};
const voice: OutboundMessage = { ...sms, channel: 'voice' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const accepted = (response: ServerResponse) => response.writeHead(204).end();

/** Twilio and the webhook on loopback, each answering as told; a `down` Twilio refuses connections. */
async function providers(options: { twilio?: 'up' | 'down' | 'silent' | 'failing'; webhook?: 'up' | 'failing' } = {}) {
  const twilio = await startTwilioImitation(
    account,
    options.twilio === 'silent'
      ? () => undefined
      : options.twilio === 'failing'
        ? (response) => response.writeHead(503, { 'content-type': 'application/json' }).end('{"code":20503}')
        : undefined,
  );
  const webhook = await startWebhookReceiver(
    secret,
    options.webhook === 'failing' ? (response) => response.writeHead(500).end() : accepted,
  );
  cleanups.push(webhook.close);
  if (options.twilio === 'down') await twilio.close();
  else cleanups.push(twilio.close);
  return { twilio, webhook };
}

async function deliveryThrough(
  { twilio, webhook }: Awaited<ReturnType<typeof providers>>,
  delivery: Partial<Pick<TesseraConfig['delivery'], 'emailProviders' | 'smsProviders' | 'voiceProviders'>> = {},
) {
  const config = testConfig({
    delivery: {
      twilio: { baseUrl: twilio.url, accountSid: account.sid, authToken: account.token, from: '+15550001111', timeoutMs: 200 },
      webhook: { url: webhook.url, secret },
      ...delivery,
    },
  });
  const database: OpenDatabase = await migratedDatabase(config);
  cleanups.push(() => database.close());
  const log = capturedLog();
  return { delivery: createDelivery(config, database, log.logger), log, database };
}

describe('failing over between providers', () => {
  it.each([
    ['refuses connections', 'down', 'ECONNREFUSED'],
    ['does not answer in time', 'silent', 'no answer within 200 ms'],
    ['answers with an error', 'failing', 'HTTP 503, Twilio error 20503'],
  ] as const)('sends through the webhook when Twilio %s, logging and counting both attempts', async (_, twilio, reason) => {
    const running = await providers({ twilio });
    const { delivery, log } = await deliveryThrough(running);

    expect(await delivery.send(sms)).toEqual({ delivered: true, provider: 'webhook' });

    expect(running.webhook.received.map((request) => JSON.parse(request.body).to)).toEqual([sms.to]);
    expect(log.lines()).toEqual([
      expect.objectContaining({
        level: 40,
        provider: 'twilio',
        channel: 'sms',
        purpose: 'sign_in_code',
        to: '***43',
        outcome: 'failed',
        reason,
        latencyMs: expect.any(Number),
        msg: 'message not delivered, trying webhook',
      }),
      expect.objectContaining({
        level: 30,
        provider: 'webhook',
        channel: 'sms',
        purpose: 'sign_in_code',
        to: '***43',
        outcome: 'delivered',
        latencyMs: expect.any(Number),
      }),
    ]);
    expect(log.raw.join('')).not.toContain('482913');
    expect(delivery.stats()).toEqual({ twilio: { delivered: 0, failed: 1 }, webhook: { delivered: 1, failed: 0 } });
  });

  it('reports not delivered, naming the last provider tried, when every provider fails, and keeps nothing in the outbox', async () => {
    const running = await providers({ twilio: 'down', webhook: 'failing' });
    const { delivery, log, database } = await deliveryThrough(running);

    expect(await delivery.send(voice)).toEqual({ delivered: false, provider: 'webhook' });

    expect(log.lines().map(({ provider, outcome, reason, msg }) => ({ provider, outcome, reason, msg }))).toEqual([
      { provider: 'twilio', outcome: 'failed', reason: 'ECONNREFUSED', msg: 'message not delivered, trying webhook' },
      { provider: 'webhook', outcome: 'failed', reason: 'HTTP 500', msg: 'message not delivered' },
    ]);
    expect(delivery.stats()).toEqual({ twilio: { delivered: 0, failed: 1 }, webhook: { delivered: 0, failed: 1 } });
    expect(await createKyselyStore(database).outbox.latest(10)).toEqual([]);
  });

  it('stops at the first provider that takes the message', async () => {
    const running = await providers();
    const { delivery } = await deliveryThrough(running);

    expect(await delivery.send(sms)).toEqual({ delivered: true, provider: 'twilio' });
    expect(running.twilio.received).toHaveLength(1);
    expect(running.webhook.received).toEqual([]);
  });

  it('tries the providers of each channel in the configured order', async () => {
    const running = await providers({ webhook: 'failing' });
    const { delivery, log } = await deliveryThrough(running, { smsProviders: ['webhook', 'twilio'], voiceProviders: ['twilio'] });

    expect(await delivery.send(sms)).toEqual({ delivered: true, provider: 'twilio' });
    expect(await delivery.send(voice)).toEqual({ delivered: true, provider: 'twilio' });

    expect(log.lines().map(({ provider, channel, outcome }) => [provider, channel, outcome])).toEqual([
      ['webhook', 'sms', 'failed'],
      ['twilio', 'sms', 'delivered'],
      ['twilio', 'voice', 'delivered'],
    ]);
    expect(running.twilio.received.map(({ path }) => path.split('/').at(-1))).toEqual(['Messages.json', 'Calls.json']);
  });

  it('leaves a channel whose list names no configured provider to the outbox in development', async () => {
    const running = await providers();
    const { delivery, database } = await deliveryThrough(running, { emailProviders: ['smtp'] });
    const email: OutboundMessage = {
      channel: 'email',
      to: 'ada@example.com',
      purpose: 'sign_in_code',
      subject: 'Code',
      text: '482913',
    };

    expect(await delivery.send(email)).toEqual({ delivered: true, provider: 'outbox' });
    expect(running.webhook.received).toEqual([]);
    expect((await createKyselyStore(database).outbox.latest(10)).map(({ to }) => to)).toEqual(['ada@example.com']);
  });
});

describe('delivery statistics', () => {
  it('start at zero for every provider a channel may use and count each attempt by its provider', async () => {
    const running = await providers({ webhook: 'failing' });
    const { delivery } = await deliveryThrough(running, { smsProviders: ['webhook', 'twilio'] });
    expect(delivery.stats()).toEqual({ webhook: { delivered: 0, failed: 0 }, twilio: { delivered: 0, failed: 0 } });

    await delivery.send(sms);
    await delivery.send(voice);

    expect(delivery.stats()).toEqual({ webhook: { delivered: 0, failed: 1 }, twilio: { delivered: 2, failed: 0 } });
  });

  it('are a copy that callers cannot change', async () => {
    const { delivery } = await deliveryThrough(await providers());
    await delivery.send(sms);

    const stats = delivery.stats();
    stats.twilio!.delivered = 1000;
    delete stats.webhook;

    expect(delivery.stats()).toEqual({ twilio: { delivered: 1, failed: 0 }, webhook: { delivered: 0, failed: 0 } });
  });
});
