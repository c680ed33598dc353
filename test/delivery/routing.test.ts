import { afterEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/core/ports.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import type { OpenDatabase } from '../../src/store/open-database.js';
import { createKyselyStore } from '../../src/store/kysely-store.js';
import { capturedLog, migratedDatabase, startSmtpReceiver, startWebhookReceiver } from '../support/delivery.js';
import { testConfig } from '../support/test-server.js';

const secret = 'a shared secret of more than 32 characters';
const email: OutboundMessage = {
  channel: 'email',
  to: 'ada@example.com',
  purpose: 'sign_in_code',
  subject: 'Your code',
  text: 'Code: 482913',
};
const sms: OutboundMessage = { channel: 'sms', to: '+447700900123', purpose: 'sign_in_code', subject: '', text: 'Code: 482913' };
const voice: OutboundMessage = { ...sms, channel: 'voice' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(config: ReturnType<typeof testConfig>): Promise<OpenDatabase> {
  const database = await migratedDatabase(config);
  cleanups.push(() => database.close());
  return database;
}

async function receivers() {
  const smtp = await startSmtpReceiver();
  const webhook = await startWebhookReceiver(secret, (response) => response.writeHead(204).end());
  cleanups.push(smtp.close, webhook.close);
  return { smtp, webhook };
}

describe('choosing a provider', () => {
  it('sends email through SMTP, and SMS and voice through the webhook, when both are configured', async () => {
    const { smtp, webhook } = await receivers();
    const config = testConfig({
      delivery: { smtp: { host: '127.0.0.1', port: smtp.port }, webhook: { url: webhook.url, secret } },
    });
    const delivery = createDelivery(config, await open(config), capturedLog().logger);

    expect(await delivery.send(email)).toEqual({ delivered: true, provider: 'smtp' });
    expect(await delivery.send(sms)).toEqual({ delivered: true, provider: 'webhook' });
    expect(await delivery.send(voice)).toEqual({ delivered: true, provider: 'webhook' });
    expect(smtp.received).toHaveLength(1);
    expect(webhook.received.map((request) => JSON.parse(request.body).channel)).toEqual(['sms', 'voice']);
  });

  it('sends email through the webhook when no SMTP server is configured', async () => {
    const { smtp, webhook } = await receivers();
    const config = testConfig({ delivery: { webhook: { url: webhook.url, secret } } });
    const delivery = createDelivery(config, await open(config), capturedLog().logger);

    expect(await delivery.send(email)).toEqual({ delivered: true, provider: 'webhook' });
    expect(JSON.parse(webhook.received[0]!.body)).toMatchObject({
      channel: 'email',
      to: 'ada@example.com',
      subject: 'Your code',
    });
    expect(smtp.received).toEqual([]);
  });

  it('keeps every message in the outbox in development when no provider is configured', async () => {
    const config = testConfig();
    const database = await open(config);
    const log = capturedLog();
    const delivery = createDelivery(config, database, log.logger);

    expect(await delivery.send(email)).toEqual({ delivered: true, provider: 'outbox' });
    expect(await delivery.send(sms)).toEqual({ delivered: true, provider: 'outbox' });

    const kept = await createKyselyStore(database).outbox.latest(10);
    expect(kept.map(({ channel, to, text }) => ({ channel, to, text }))).toEqual(
      expect.arrayContaining([
        { channel: 'email', to: 'ada@example.com', text: 'Code: 482913' },
        { channel: 'sms', to: '+447700900123', text: 'Code: 482913' },
      ]),
    );
    expect(log.lines().map((line) => [line.provider, line.outcome])).toEqual([
      ['outbox', 'delivered'],
      ['outbox', 'delivered'],
    ]);
  });

  it('sends nothing in production without a provider for the channel, and never keeps it in an outbox', async () => {
    const { smtp } = await receivers();
    const config = testConfig({ mode: 'production', delivery: { smtp: { host: '127.0.0.1', port: smtp.port } } });
    const database = await open(config);
    const log = capturedLog();
    const delivery = createDelivery(config, database, log.logger);

    expect(await delivery.send(sms)).toEqual({ delivered: false, provider: 'none' });
    expect(await delivery.send(email)).toEqual({ delivered: true, provider: 'smtp' });
    expect(await createKyselyStore(database).outbox.latest(10)).toEqual([]);
    expect(log.lines()[0]).toMatchObject({ level: 40, outcome: 'failed', reason: 'no provider is configured for sms' });
  });
});
