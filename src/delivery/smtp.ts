import type { Transporter } from 'nodemailer';
import type { TesseraConfig } from '../config.js';
import { renderEmailHtml } from './email-template.js';
import { DeliveryError, type DeliveryProvider } from './provider.js';

// Someone is waiting for the code: give up long before nodemailer's default of minutes.
const timeoutMs = 10_000;

/** Email through an SMTP server: the plain text, with the branded HTML version beside it. */
export function smtpProvider(smtp: TesseraConfig['delivery']['smtp'], branding: TesseraConfig['branding']): DeliveryProvider {
  // nodemailer takes about 12 MB once loaded, so it loads with the first message, not at start.
  let transport: Promise<Transporter> | undefined;
  const connect = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure,
        ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      }),
    ));
  return {
    name: 'smtp',
    async send(message) {
      try {
        await (
          await connect()
        ).sendMail({
          from: smtp.from,
          // An address object is taken whole, never split on commas: one message, one mailbox.
          to: { name: '', address: message.to },
          subject: message.subject,
          text: message.text,
          html: renderEmailHtml(message, branding),
        });
      } catch (error) {
        throw new DeliveryError(smtpFailure(error));
      }
    },
  };
}

/** nodemailer's error code and the server's reply code, without the reply text that quotes the address. */
function smtpFailure(error: unknown): string {
  const { code, responseCode } = error as { code?: unknown; responseCode?: unknown };
  return [typeof code === 'string' ? code : 'ESMTP', typeof responseCode === 'number' ? responseCode : undefined]
    .filter(Boolean)
    .join(' ');
}
