import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { TesseraConfig } from '../../src/config.js';
import type { OutboundMessage } from '../../src/core/ports.js';
import { createDelivery } from '../../src/delivery/create-delivery.js';
import type { OpenDatabase } from '../../src/store/open-database.js';
import { capturedLog, migratedDatabase, startTwilioImitation, type TwilioRequest } from '../support/delivery.js';
import { testConfig } from '../support/test-server.js';

const account = { sid: 'AC0123456789abcdef0123456789abcdef', token: 'the auth token of the test account' };
const code = '482913';
const usNumber = '+12025550143';
const gbNumber = '+447400123456';
const sms = (to: string): OutboundMessage => ({
  channel: 'sms',
  to,
  purpose: 'sign_in_code',
  subject: '',
  text: `Your Acme code is ${code}. Don't share it.`,
});

let twilio: Awaited<ReturnType<typeof startTwilioImitation>> | undefined;
let database: OpenDatabase | undefined;
afterEach(async () => {
  await twilio?.close();
  await database?.close();
  twilio = database = undefined;
});

async function twilioDelivery(
  answer?: (response: ServerResponse, request: TwilioRequest) => void,
  settings: Partial<TesseraConfig['delivery']['twilio']> = {},
) {
  twilio = await startTwilioImitation(account, answer);
  const config = testConfig({
    delivery: {
      twilio: { baseUrl: twilio.url, accountSid: account.sid, authToken: account.token, from: '+15550001111', ...settings },
    },
  });
  database = await migratedDatabase(config);
  const log = capturedLog();
  return { delivery: createDelivery(config, database, log.logger), received: twilio.received, log };
}

describe('SMS through Twilio', () => {
  it("posts the message to the account's Messages API, signed in with the SID and token", async () => {
    const { delivery, received } = await twilioDelivery();

    expect(await delivery.send(sms(usNumber))).toEqual({ delivered: true, provider: 'twilio' });

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.path).toBe(`/2010-04-01/Accounts/${account.sid}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${account.sid}:${account.token}`).toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.fields).toEqual({ To: usNumber, From: '+15550001111', Body: sms(usNumber).text });
  });

  it("sends from the country's sender to a GB number and from the default sender to a US number", async () => {
    const { delivery, received } = await twilioDelivery(undefined, { fromByCountry: { GB: 'Tessera' } });

    await delivery.send(sms(gbNumber));
    await delivery.send(sms(usNumber));

    expect(received.map(({ fields }) => [fields.To, fields.From])).toEqual([
      [gbNumber, 'Tessera'],
      [usNumber, '+15550001111'],
    ]);
  });
});

describe('voice through Twilio', () => {
  const voice: OutboundMessage = {
    channel: 'voice',
    to: gbNumber,
    purpose: 'sign_in_code',
    subject: '',
    text: 'Your Acme code is 4, 8, 2, 9, 1, 3.\nAgain: 4, 8, 2, 9, 1, 3. <Goodbye> & "thanks"',
  };

  it('places a call that says the text in TwiML, escaped, with a pause between its lines', async () => {
    const { delivery, received } = await twilioDelivery();

    expect(await delivery.send(voice)).toEqual({ delivered: true, provider: 'twilio' });

    expect(received[0]!.path).toBe(`/2010-04-01/Accounts/${account.sid}/Calls.json`);
    expect(received[0]!.fields).toEqual({
      To: gbNumber,
      From: '+15550001111',
      Twiml:
        '<Response><Say>Your Acme code is 4, 8, 2, 9, 1, 3.</Say><Pause length="1"/>' +
        '<Say>Again: 4, 8, 2, 9, 1, 3. &lt;Goodbye&gt; &amp; &quot;thanks&quot;</Say></Response>',
    });
  });

  it("calls from the country's sender when it is a number", async () => {
    const { delivery, received } = await twilioDelivery(undefined, { fromByCountry: { GB: '+447400000001' } });
    await delivery.send(voice);
    expect(received[0]!.fields.From).toBe('+447400000001');
  });

  it("calls from the default number when the country's sender is an ID, which cannot place calls", async () => {
    const { delivery, received } = await twilioDelivery(undefined, { fromByCountry: { GB: 'Tessera' } });
    await delivery.send(voice);
    expect(received[0]!.fields.From).toBe('+15550001111');
  });
});

describe('Twilio failing', () => {
  const expectNothingPersonalIn = (raw: string[]) => {
    expect(raw.join('')).not.toContain(code);
    expect(raw.join('')).not.toContain(usNumber);
    expect(raw.join('')).not.toContain(usNumber.slice(1));
  };

  it("reports a refused sign-in (401) as not delivered, logging Twilio's error code and never the number or the text", async () => {
    const { delivery, log } = await twilioDelivery(undefined, { authToken: 'a token Twilio does not know' });

    expect(await delivery.send(sms(usNumber))).toEqual({ delivered: false, provider: 'twilio' });

    expect(log.lines()).toEqual([
      expect.objectContaining({
        level: 40,
        provider: 'twilio',
        channel: 'sms',
        purpose: 'sign_in_code',
        to: '***43',
        outcome: 'failed',
        reason: 'HTTP 401, Twilio error 20003',
        latencyMs: expect.any(Number),
      }),
    ]);
    expectNothingPersonalIn(log.raw);
  });

  it('reports a server error (500) as not delivered, keeping the number Twilio quotes out of the log', async () => {
    const { delivery, log } = await twilioDelivery((response, request) =>
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 20500, message: `Internal error sending "${request.fields.Body}" to ${request.fields.To}` })),
    );

    expect(await delivery.send(sms(usNumber))).toEqual({ delivered: false, provider: 'twilio' });

    expect(log.lines()).toEqual([
      expect.objectContaining({ level: 40, provider: 'twilio', outcome: 'failed', reason: 'HTTP 500, Twilio error 20500' }),
    ]);
    expectNothingPersonalIn(log.raw);
  });

  it('reports an error answer that is not JSON by its status alone', async () => {
    const { delivery, log } = await twilioDelivery((response) => response.writeHead(502).end('<html>Bad gateway</html>'));

    expect(await delivery.send(sms(usNumber))).toEqual({ delivered: false, provider: 'twilio' });
    expect(log.lines()[0]).toMatchObject({ outcome: 'failed', reason: 'HTTP 502' });
  });

  it('gives up on Twilio when it does not answer within the timeout', async () => {
    const { delivery, log } = await twilioDelivery(() => undefined, { timeoutMs: 200 });

    expect(await delivery.send(sms(usNumber))).toEqual({ delivered: false, provider: 'twilio' });

    const [line] = log.lines();
    expect(line).toMatchObject({ level: 40, provider: 'twilio', outcome: 'failed', reason: 'no answer within 200 ms' });
    expect(line!.latencyMs).toBeLessThan(2000);
    expectNothingPersonalIn(log.raw);
  });
});
