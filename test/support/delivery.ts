import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { TesseraConfig } from '../../src/config.js';
import { migrateToLatest, openDatabase, type OpenDatabase } from '../../src/store/open-database.js';

/** A real pino logger; the test reads back each line it wrote, raw and parsed. */
export function capturedLog() {
  const raw: string[] = [];
  const logger = pino({}, { write: (line: string) => void raw.push(line) });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** The configuration's database, migrated, as createDelivery gets it from the server. */
export async function migratedDatabase(config: TesseraConfig): Promise<OpenDatabase> {
  const database = await openDatabase(config.database.url);
  await migrateToLatest(database);
  return database;
}

export interface ReceivedMail {
  envelopeTo: string[];
  raw: string;
}

/** An SMTP server on a loopback port without TLS or sign-in; it can refuse every recipient. */
export async function startSmtpReceiver(options: { refuseRecipients?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!options.refuseRecipients) return callback();
      // Quotes the address as real servers do, so tests can check it stays out of Tessera's log.
      callback(Object.assign(new Error(`Mailbox unavailable: ${address.address}`), { responseCode: 550 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw: Buffer.concat(chunks).toString() });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(resolve)),
  };
}

/** The headers and decoded parts of a message as Tessera sends it: one multipart/alternative. */
export function parseMail(raw: string) {
  const header = (source: string, name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(source)?.[1];
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const boundary = /boundary="([^"]+)"/.exec(head)?.[1];
  const parts = new Map<string, string>();
  for (const part of raw.split(`--${boundary}`).slice(1, -1)) {
    const bodyStart = part.indexOf('\r\n\r\n');
    const partHead = part.slice(0, bodyStart);
    const body = part.slice(bodyStart + 4).replace(/\r\n$/, '');
    const encoding = header(partHead, 'Content-Transfer-Encoding');
    const bytes =
      encoding === 'quoted-printable'
        ? quotedPrintable(body)
        : encoding === 'base64'
          ? Buffer.from(body, 'base64')
          : Buffer.from(body);
    parts.set(header(partHead, 'Content-Type')!.split(';')[0]!, bytes.toString('utf8').replace(/\r\n/g, '\n'));
  }
  return { from: header(head, 'From'), to: header(head, 'To'), subject: header(head, 'Subject'), parts };
}

function quotedPrintable(body: string): Buffer {
  const text = body.replace(/=\r\n/g, '');
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '=') {
      bytes.push(Number.parseInt(text.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(text.charCodeAt(index));
  }
  return Buffer.from(bytes);
}

export interface ReceivedRequest {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether the signature headers match the body under the shared secret. */
  signatureValid: boolean;
}

/**
 * An HTTP gateway on a loopback port that checks each request's signature as a real receiver
 * would: over the raw body and the timestamp, with the shared secret, in constant time.
 */
export async function startWebhookReceiver(secret: string, answer: (response: ServerResponse, url: string) => void) {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const timestamp = String(request.headers['x-tessera-timestamp']);
      const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
      const given = Buffer.from(String(request.headers['x-tessera-signature']));
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
      const signatureValid = fresh && given.length === expected.length && timingSafeEqual(given, expected);
      received.push({ url: request.url ?? '', headers: request.headers, body, signatureValid });
      answer(response, request.url ?? '');
    });
  });
  return { ...(await listenOnLoopback(server)), received };
}

export interface TwilioRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The form fields, decoded. */
  fields: Record<string, string>;
}

/**
 * Twilio's Messages and Calls endpoints for one account on a loopback port. Like Twilio it
 * answers 401 with error 20003 unless basic auth carries the account's SID and token, 404 with
 * error 20404 for another path or account, and 201 with the new resource's `sid` otherwise;
 * `answer` can replace that last answer, to fail or stay silent.
 */
export async function startTwilioImitation(
  account: { sid: string; token: string },
  answer?: (response: ServerResponse, request: TwilioRequest) => void,
) {
  const received: TwilioRequest[] = [];
  const endpoint = new RegExp(`^/2010-04-01/Accounts/${account.sid}/(Messages|Calls)\\.json$`);
  const credentials = `Basic ${Buffer.from(`${account.sid}:${account.token}`).toString('base64')}`;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const twilioRequest: TwilioRequest = {
        path: request.url ?? '',
        headers: request.headers,
        fields: Object.fromEntries(form),
      };
      received.push(twilioRequest);
      const json = (status: number, body: object) =>
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const resource = endpoint.exec(twilioRequest.path)?.[1];
      if (request.headers.authorization !== credentials) {
        return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      if (request.method !== 'POST' || !resource) {
        return json(404, { code: 20404, message: `The requested resource ${twilioRequest.path} was not found`, status: 404 });
      }
      if (answer) return answer(response, twilioRequest);
      json(201, {
        sid: `${resource === 'Messages' ? 'SM' : 'CA'}${randomBytes(16).toString('hex')}`,
        account_sid: account.sid,
        to: twilioRequest.fields.To,
        from: twilioRequest.fields.From,
        status: 'queued',
      });
    });
  });
  return { ...(await listenOnLoopback(server)), received };
}

/** Starts a test server on a free loopback port; `close` also drops kept-alive connections. */
async function listenOnLoopback(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
