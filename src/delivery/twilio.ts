import type { TesseraConfig } from '../config.js';
// The core's phone parsing, so both see the same country for a number.
import { phoneCountry } from '../core/factors/phone.js';
import type { OutboundMessage } from '../core/ports.js';
import { DeliveryError, type DeliveryProvider } from './provider.js';
import { requestFailure } from './request-failure.js';

type TwilioConfig = TesseraConfig['delivery']['twilio'];

/**
 * Texts through Twilio's Messages API and calls that read the text aloud through its Calls API.
 * Any 2xx answer (Twilio's is 201 with the new message's or call's `sid`) means Twilio took it;
 * whether the phone got it is reported later and not followed.
 */
export function twilioProvider(twilio: TwilioConfig): DeliveryProvider<'sms' | 'voice'> {
  const account = `${twilio.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}`;
  const authorization = `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`;
  return {
    name: 'twilio',
    async send(message) {
      const call = message.channel === 'voice';
      const form = new URLSearchParams({
        To: message.to,
        From: await sender(twilio, message),
        ...(call ? { Twiml: twiml(message.text) } : { Body: message.text }),
      });
      let response: Response;
      try {
        response = await fetch(`${account}/${call ? 'Calls' : 'Messages'}.json`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
          // A redirect would carry the code and the token somewhere nobody configured.
          redirect: 'manual',
          signal: AbortSignal.timeout(twilio.timeoutMs),
        });
      } catch (error) {
        throw new DeliveryError(requestFailure(error, twilio.timeoutMs));
      }
      if (!response.ok) throw new DeliveryError(await twilioFailure(response));
      await response.body?.cancel();
    },
  };
}

/** The sender for the number's country if there is one, else the default. */
async function sender(twilio: TwilioConfig, { channel, to }: OutboundMessage): Promise<string> {
  const country = await phoneCountry(to);
  const local = country ? twilio.fromByCountry[country] : undefined;
  // A call has to come from a number; an alphanumeric sender ID can only send texts.
  return local && (channel === 'sms' || local.startsWith('+')) ? local : twilio.from;
}

/** The text read aloud, each line in its own `<Say>` with a pause between, so a code read twice is heard twice. */
function twiml(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return `<Response>${lines.map((line) => `<Say>${escapeXml(line)}</Say>`).join('<Pause length="1"/>')}</Response>`;
}

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => xmlEntities[character] ?? character);
}

/** The status and Twilio's numeric error code, without Twilio's message, which quotes the number. */
async function twilioFailure(response: Response): Promise<string> {
  const body: unknown = await response.json().catch(() => undefined);
  const code = typeof body === 'object' && body !== null ? (body as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? `HTTP ${response.status}, Twilio error ${code}` : `HTTP ${response.status}`;
}
