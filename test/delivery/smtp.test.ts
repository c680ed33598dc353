import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../src/core/ports.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import type { OpenDatabase } from '../../src/store/open-database.js';
import { capturedLog, migratedDatabase, parseMail, startSmtpReceiver } from '../support/delivery.js';
import { testConfig } from '../support/test-server.js';

const code = '482913';
const message: OutboundMessage = {
  channel: 'email',
  to: 'ada@example.com',
  purpose: 'sign_in_code',
  subject: 'Your Acme Accounts sign-in code',
  text: `Your sign-in code is:\n\n${code}\n\nOr open https://auth.example.com/verify?a=1&b=2 instead.\nIt expires in 10 minutes. <Ignore> this if it wasn't you.`,
};

const smtpConfig = (port: number) =>
  testConfig({
    branding: { productName: 'Acme Accounts', primaryColor: '#0a7d4f' },
    delivery: { smtp: { host: '127.0.0.1', port, from: 'Acme Accounts <no-reply@acme.test>' } },
  });

let database: OpenDatabase | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

describe('email over SMTP', () => {
  let receiver: Awaited<ReturnType<typeof startSmtpReceiver>>;
  beforeEach(async () => {
    receiver = await startSmtpReceiver();
  });
  afterEach(() => receiver.close());

  it('sends the text and a branded HTML version from the configured sender to the one address', async () => {
    const config = smtpConfig(receiver.port);
    database = await migratedDatabase(config);
    const delivery = createDelivery(config, database, capturedLog().logger);

    expect(await delivery.send(message)).toEqual({ delivered: true, provider: 'smtp' });

    expect(receiver.received).toHaveLength(1);
    const [mail] = receiver.received;
    expect(mail!.envelopeTo).toEqual(['ada@example.com']);
    const parsed = parseMail(mail!.raw);
    expect(parsed.from).toBe('Acme Accounts <no-reply@acme.test>');
    expect(parsed.to).toBe('ada@example.com');
    expect(parsed.subject).toBe('Your Acme Accounts sign-in code');
    expect(parsed.parts.get('text/plain')).toBe(message.text);
    const htmlPart = parsed.parts.get('text/html')!;
    expect(htmlPart).toContain('Acme Accounts');
    expect(htmlPart).toContain('#0a7d4f');
    expect(htmlPart).toMatch(new RegExp(`<p[^>]*>${code}</p>`));
    expect(htmlPart).toContain('&lt;Ignore&gt; this if it wasn&#39;t you.');
    expect(htmlPart).not.toContain('<Ignore>');
  });

  it('logs each attempt with provider, outcome and latency, the address masked and never the text', async () => {
    const config = smtpConfig(receiver.port);
    database = await migratedDatabase(config);
    const log = capturedLog();
    await createDelivery(config, database, log.logger).send(message);

    expect(log.lines()).toEqual([
      expect.objectContaining({
        level: 30,
        provider: 'smtp',
        channel: 'email',
        purpose: 'sign_in_code',
        to: 'a***@example.com',
        outcome: 'delivered',
        latencyMs: expect.any(Number),
      }),
    ]);
    expect(log.raw.join('')).not.toContain(code);
    expect(log.raw.join('')).not.toContain('ada@example.com');
  });

  it('never splits one address into several recipients', async () => {
    const config = smtpConfig(receiver.port);
    database = await migratedDatabase(config);
    const result = await createDelivery(config, database, capturedLog().logger).send({
      ...message,
      to: 'ada@example.com, eve@attacker.test',
    });
    expect(result.delivered).toBe(false);
    expect(receiver.received).toEqual([]);
  });
});

describe('email over SMTP that fails', () => {
  it('reports a refused recipient as not delivered and logs the failure without the text or the address', async () => {
    const receiver = await startSmtpReceiver({ refuseRecipients: true });
    try {
      const config = smtpConfig(receiver.port);
      database = await migratedDatabase(config);
      const log = capturedLog();

      expect(await createDelivery(config, database, log.logger).send(message)).toEqual({ delivered: false, provider: 'smtp' });

      expect(log.lines()).toEqual([
        expect.objectContaining({
          level: 40,
          provider: 'smtp',
          outcome: 'failed',
          reason: 'EENVELOPE 550',
          to: 'a***@example.com',
        }),
      ]);
      expect(log.raw.join('')).not.toContain(code);
      expect(log.raw.join('')).not.toContain('ada@example.com');
    } finally {
      await receiver.close();
    }
  });

  it('reports a server that cannot be reached as not delivered', async () => {
    const receiver = await startSmtpReceiver();
    await receiver.close();
    const config = smtpConfig(receiver.port);
    database = await migratedDatabase(config);
    const log = capturedLog();

    expect(await createDelivery(config, database, log.logger).send(message)).toEqual({ delivered: false, provider: 'smtp' });
    expect(log.lines()).toEqual([expect.objectContaining({ level: 40, outcome: 'failed', reason: 'ESOCKET' })]);
  });
});
