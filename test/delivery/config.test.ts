import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const twilioAccount = {
  TESSERA_DELIVERY_TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TESSERA_DELIVERY_TWILIO_AUTH_TOKEN: 'token',
  TESSERA_DELIVERY_TWILIO_FROM: '+15550001111',
};

function load(env: Record<string, string>, yaml = '') {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-config-')), 'tessera.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ env, file });
}

const production = (env: Record<string, string>) => () =>
  load({
    NODE_ENV: 'production',
    TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com',
    TESSERA_SECRETS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
    ...env,
  });

describe('Twilio settings', () => {
  it('are off by default and point at Twilio itself', () => {
    expect(load({}).delivery.twilio).toEqual({
      baseUrl: 'https://api.twilio.com',
      accountSid: '',
      authToken: '',
      from: '',
      fromByCountry: {},
      timeoutMs: 5000,
    });
  });

  it('read per-country senders from one environment variable or a YAML mapping', () => {
    const fromEnv = load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_FROM_BY_COUNTRY: 'GB|Tessera, US|+15550002222' });
    expect(fromEnv.delivery.twilio.fromByCountry).toEqual({ GB: 'Tessera', US: '+15550002222' });

    const fromFile = load(
      twilioAccount,
      'delivery:\n  twilio:\n    fromByCountry:\n      GB: Tessera\n      DE: "+4915100000001"\n',
    );
    expect(fromFile.delivery.twilio.fromByCountry).toEqual({ GB: 'Tessera', DE: '+4915100000001' });
  });

  it('refuse an account SID without its auth token or a sender, naming the field', () => {
    expect(() => load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_AUTH_TOKEN: '' })).toThrow(
      /delivery\.twilio\.authToken \(TESSERA_DELIVERY_TWILIO_AUTH_TOKEN\): required when delivery\.twilio\.accountSid is set/,
    );
    expect(() => load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_FROM: '' })).toThrow(
      /delivery\.twilio\.from \(TESSERA_DELIVERY_TWILIO_FROM\): required when delivery\.twilio\.accountSid is set/,
    );
  });

  it('refuse senders Twilio would not accept, numbers YAML read as integers and countries that are not ISO codes', () => {
    expect(() => load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_FROM: 'Acme Accounts Ltd' })).toThrow(
      /delivery\.twilio\.from \(TESSERA_DELIVERY_TWILIO_FROM\): must be a number like \+15550001111 or a sender ID/,
    );
    expect(() => load({}, 'delivery:\n  twilio:\n    from: +15550001111\n')).toThrow(
      /delivery\.twilio\.from \(TESSERA_DELIVERY_TWILIO_FROM\): must be quoted in YAML/,
    );
    expect(() => load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_FROM_BY_COUNTRY: 'gb|Tessera' })).toThrow(
      /delivery\.twilio\.fromByCountry \(TESSERA_DELIVERY_TWILIO_FROM_BY_COUNTRY\): must be ISO country codes like GB/,
    );
    expect(() => load({ ...twilioAccount, TESSERA_DELIVERY_TWILIO_FROM_BY_COUNTRY: 'GB' })).toThrow(
      /delivery\.twilio\.fromByCountry \(TESSERA_DELIVERY_TWILIO_FROM_BY_COUNTRY\): must pair each country with one sender/,
    );
  });
});

describe('provider lists', () => {
  it('default to every provider of the channel, and read an order from the environment', () => {
    const defaults = load({}).delivery;
    expect([defaults.emailProviders, defaults.smsProviders, defaults.voiceProviders]).toEqual([
      ['smtp', 'webhook'],
      ['twilio', 'webhook'],
      ['twilio', 'webhook'],
    ]);
    expect(load({ TESSERA_DELIVERY_SMS_PROVIDERS: 'webhook, twilio' }).delivery.smsProviders).toEqual(['webhook', 'twilio']);
    expect(load({ TESSERA_DELIVERY_VOICE_PROVIDERS: '' }).delivery.voiceProviders).toEqual([]);
  });

  it('refuse unknown and repeated provider names, naming the field', () => {
    expect(() => load({ TESSERA_DELIVERY_SMS_PROVIDERS: 'webhook,nexmo' })).toThrow(
      /delivery\.smsProviders \(TESSERA_DELIVERY_SMS_PROVIDERS\): unknown provider "nexmo": use twilio or webhook/,
    );
    expect(() => load({ TESSERA_DELIVERY_EMAIL_PROVIDERS: 'twilio' })).toThrow(
      /delivery\.emailProviders \(TESSERA_DELIVERY_EMAIL_PROVIDERS\): unknown provider "twilio": use smtp or webhook/,
    );
    expect(() => load({ TESSERA_DELIVERY_VOICE_PROVIDERS: 'twilio,twilio' })).toThrow(
      /delivery\.voiceProviders \(TESSERA_DELIVERY_VOICE_PROVIDERS\): must name each provider once/,
    );
  });
});

describe('delivery in production', () => {
  it('refuses Twilio alone, since email confirms accounts, and accepts it beside SMTP', () => {
    expect(production(twilioAccount)).toThrow(/production needs a way to send email.*Twilio sends only SMS and voice/);
    expect(production({ ...twilioAccount, TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com' })().delivery.twilio.accountSid).toBe(
      twilioAccount.TESSERA_DELIVERY_TWILIO_ACCOUNT_SID,
    );
  });

  it('refuses an email provider list that names no configured provider', () => {
    expect(production({ TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com', TESSERA_DELIVERY_EMAIL_PROVIDERS: 'webhook' })).toThrow(
      /delivery\.smtp\.host \(TESSERA_DELIVERY_SMTP_HOST\) or delivery\.webhook\.url .*delivery\.emailProviders/,
    );
  });
});
