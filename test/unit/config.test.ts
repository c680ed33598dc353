import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, configFields, configWarnings, loadConfig } from '../../src/config.js';
import { configDocsPath, fieldComments, renderConfigDocs } from '../../scripts/config-docs.js';

const key = (id: string) => `${id}:${Buffer.alloc(32, 7).toString('base64')}`;

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-config-')), 'tessera.yaml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it('starts from documented defaults with no file and no environment', () => {
    const config = loadConfig({ env: {}, file: yamlFile('') });
    expect(config.server.port).toBe(4000);
    expect(config.database.url).toBe('sqlite:./data/tessera.db');
    expect(config.passwords.minLength).toBe(8);
    expect(config.sessions).toEqual({ idleTimeoutMinutes: 60, absoluteTimeoutHours: 24 });
    expect(config.mode).toBe('development');
  });

  it('lets environment variables win over the YAML file', () => {
    const file = yamlFile('server:\n  port: 5000\nbranding:\n  productName: Acme\n');
    const config = loadConfig({ env: { TESSERA_SERVER_PORT: '6000' }, file });
    expect(config.server.port).toBe(6000);
    expect(config.branding.productName).toBe('Acme');
  });

  it('reads lists and keys from environment variables', () => {
    const config = loadConfig({
      env: { TESSERA_SERVER_TRUSTED_PROXIES: '10.0.0.1, 10.1.0.0/16', TESSERA_SECRETS_KEYS: `${key('k2')},${key('k1')}` },
      file: yamlFile(''),
    });
    expect(config.server.trustedProxies).toEqual(['10.0.0.1', '10.1.0.0/16']);
    expect(config.secrets.keys.map((k) => k.id)).toEqual(['k2', 'k1']);
  });

  it('names the field, its variable and the problem for a bad value', () => {
    const attempt = () =>
      loadConfig({ env: { TESSERA_PASSWORDS_MIN_LENGTH: '4', TESSERA_BRANDING_PRIMARY_COLOR: 'blue' }, file: yamlFile('') });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/passwords\.minLength \(TESSERA_PASSWORDS_MIN_LENGTH\): .*8/);
    expect(attempt).toThrow(/branding\.primaryColor \(TESSERA_BRANDING_PRIMARY_COLOR\): must be a colour like #1f4bd8/);
  });

  it('refuses a password minimum above 64 and a maximum below 64', () => {
    expect(() => loadConfig({ env: { TESSERA_PASSWORDS_MAX_LENGTH: '32' }, file: yamlFile('') })).toThrow(/passwords\.maxLength/);
  });

  it('refuses a WebAuthn relying party ID that is an IP address or not a domain of the public URL, and warns of a public IP', () => {
    const load = (env: Record<string, string>) => () => loadConfig({ env, file: yamlFile('') });
    expect(load({ TESSERA_WEBAUTHN_RP_ID: '127.0.0.1' })).toThrow(
      /webauthn\.rpId \(TESSERA_WEBAUTHN_RP_ID\): an IP address cannot be a WebAuthn relying party ID/,
    );
    expect(configWarnings(load({ TESSERA_SERVER_PUBLIC_URL: 'http://127.0.0.1:4000' })())).toEqual([
      expect.stringContaining('browsers refuse security keys and passkeys there'),
    ]);
    expect(load({ TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com', TESSERA_WEBAUTHN_RP_ID: 'example.org' })).toThrow(
      /example\.org must be auth\.example\.com or a domain it belongs to/,
    );
    expect(
      load({ TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com', TESSERA_WEBAUTHN_RP_ID: 'example.com' })(),
    ).toMatchObject({
      webauthn: { rpId: 'example.com' },
    });
    expect(load({ TESSERA_WEBAUTHN_ATTESTATION: 'direct' })).toThrow(/webauthn\.trustRoots .*PEM files/);
  });

  it('refuses a YAML file that is not a mapping', () => {
    expect(() => loadConfig({ env: {}, file: yamlFile('- just\n- a list\n') })).toThrow(/must hold a YAML mapping/);
  });

  it('refuses production without an https public URL or with development keys', () => {
    const production = (env: Record<string, string>) => () =>
      loadConfig({ env: { NODE_ENV: 'production', ...env }, file: yamlFile('') });
    expect(production({ TESSERA_SECRETS_KEYS: key('k1') })).toThrow(/server\.publicUrl .*https/);
    expect(production({ TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com' })).toThrow(/secrets\.keys .*your own keys/);
    expect(production({ TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com', TESSERA_SECRETS_KEYS: key('dev1') })).toThrow(
      /development keys/,
    );
    const config = production({
      TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com',
      TESSERA_SECRETS_KEYS: key('k1'),
      TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com',
    })();
    expect(config.mode).toBe('production');
  });

  it('refuses production with neither SMTP nor a webhook to send codes, naming both fields', () => {
    const production = (env: Record<string, string>) => () =>
      loadConfig({
        env: {
          NODE_ENV: 'production',
          TESSERA_SERVER_PUBLIC_URL: 'https://auth.example.com',
          TESSERA_SECRETS_KEYS: key('k1'),
          ...env,
        },
        file: yamlFile(''),
      });
    expect(production({})).toThrow(
      /delivery\.smtp\.host \(TESSERA_DELIVERY_SMTP_HOST\) or delivery\.webhook\.url \(TESSERA_DELIVERY_WEBHOOK_URL\): .*outbox is refused/,
    );
    expect(production({ TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com' })().delivery.smtp.host).toBe('smtp.example.com');
    const webhookOnly = production({
      TESSERA_DELIVERY_WEBHOOK_URL: 'https://gateway.example.com/messages',
      TESSERA_DELIVERY_WEBHOOK_SECRET: 'x'.repeat(32),
    })();
    expect(webhookOnly.delivery.webhook.url).toBe('https://gateway.example.com/messages');
  });

  it('refuses a webhook URL without a shared secret of at least 32 characters', () => {
    const withSecret = (secret?: string) => () =>
      loadConfig({
        env: {
          TESSERA_DELIVERY_WEBHOOK_URL: 'https://gateway.example.com/messages',
          ...(secret === undefined ? {} : { TESSERA_DELIVERY_WEBHOOK_SECRET: secret }),
        },
        file: yamlFile(''),
      });
    expect(withSecret()).toThrow(
      /delivery\.webhook\.secret \(TESSERA_DELIVERY_WEBHOOK_SECRET\): required when delivery\.webhook\.url is set/,
    );
    expect(withSecret('too short')).toThrow(/at least 32 characters/);
    expect(withSecret('s'.repeat(32))().delivery.webhook.secret).toBe('s'.repeat(32));
  });

  it('reads SMTP settings from the environment and the file, true and false included', () => {
    const fromEnv = loadConfig({
      env: {
        TESSERA_DELIVERY_SMTP_HOST: 'smtp.example.com',
        TESSERA_DELIVERY_SMTP_PORT: '465',
        TESSERA_DELIVERY_SMTP_SECURE: 'true',
      },
      file: yamlFile(''),
    });
    expect(fromEnv.delivery.smtp).toMatchObject({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      from: 'Tessera <no-reply@localhost>',
    });
    const fromFile = loadConfig({
      env: { TESSERA_DELIVERY_SMTP_SECURE: 'false' },
      file: yamlFile('delivery:\n  smtp:\n    secure: true\n'),
    });
    expect(fromFile.delivery.smtp.secure).toBe(false);
    expect(loadConfig({ env: {}, file: yamlFile('delivery:\n  smtp:\n    secure: true\n') }).delivery.smtp.secure).toBe(true);
    expect(() => loadConfig({ env: { TESSERA_DELIVERY_SMTP_SECURE: 'maybe' }, file: yamlFile('') })).toThrow(
      /delivery\.smtp\.secure \(TESSERA_DELIVERY_SMTP_SECURE\): must be true or false/,
    );
  });

  it('documents every field with its default in TSDoc', () => {
    const comments = fieldComments();
    for (const path of configFields()) expect(comments.get(path.join('.')), path.join('.')).toMatch(/Default: /);
  });

  it('keeps docs/configuration.md in sync with the schema (npm run docs:config)', () => {
    expect(readFileSync(configDocsPath, 'utf8')).toBe(renderConfigDocs());
  });
});

describe('start-up warnings', () => {
  it('warns that common apps ignore non-default TOTP settings', () => {
    const config = loadConfig({ env: { TESSERA_TOTP_DIGITS: '8' }, file: yamlFile('') });
    expect(configWarnings(config)).toEqual([expect.stringMatching(/Google Authenticator .* ignore/)]);
  });

  it('warns when recovery codes are shorter than 64 bits', () => {
    const config = loadConfig({ env: { TESSERA_RECOVERY_CODES_LENGTH: '12' }, file: yamlFile('') });
    expect(configWarnings(config)).toEqual([expect.stringMatching(/60-bit codes, below the 64 bits/)]);
    expect(configWarnings(loadConfig({ env: {}, file: yamlFile('') }))).toEqual([]);
  });

  it('warns when two-step verification is never asked at sign-in, and refuses a list file that does not exist', () => {
    const off = loadConfig({ env: { TESSERA_ADAPTIVE_POLICY: 'off' }, file: yamlFile('') });
    expect(configWarnings(off)).toEqual([expect.stringMatching(/adaptive\.policy is off: .* only at protected actions/)]);
    expect(() =>
      loadConfig({ env: { TESSERA_ADAPTIVE_UNTRUSTED_IP_LISTS: '/nonexistent/tor-exits.txt' }, file: yamlFile('') }),
    ).toThrow('adaptive.untrustedIpLists (TESSERA_ADAPTIVE_UNTRUSTED_IP_LISTS): /nonexistent/tor-exits.txt does not exist');
  });

  it('reads DATABASE_URL and REDIS_URL as platforms name them, with TESSERA_* names winning', () => {
    const conventional = loadConfig({
      env: { DATABASE_URL: 'postgres://tessera@db/tessera', REDIS_URL: 'redis://cache:6379' },
      file: yamlFile(''),
    });
    expect(conventional.database.url).toBe('postgres://tessera@db/tessera');
    expect(conventional.redis.url).toBe('redis://cache:6379');
    const both = loadConfig({
      env: { DATABASE_URL: 'postgres://tessera@db/tessera', TESSERA_DATABASE_URL: 'postgres://tessera@primary/tessera' },
      file: yamlFile(''),
    });
    expect(both.database.url).toBe('postgres://tessera@primary/tessera');
    expect(() => loadConfig({ env: { REDIS_URL: 'http://cache' }, file: yamlFile('') })).toThrow(/redis\.url .* redis:\/\//);
  });

  it('caps the lockout threshold at NIST’s 100 failures', () => {
    expect(() => loadConfig({ env: { TESSERA_LOCKOUT_MAX_FAILURES: '101' }, file: yamlFile('') })).toThrow(
      /lockout\.maxFailures/,
    );
  });

  it('reads suggested authenticator apps from one environment variable', () => {
    const config = loadConfig({
      env: { TESSERA_TOTP_SUGGESTED_APPS: 'Aegis|https://getaegis.app,Raivo|https://raivo-otp.com' },
      file: yamlFile(''),
    });
    expect(config.totp.suggestedApps).toEqual([
      { name: 'Aegis', url: 'https://getaegis.app' },
      { name: 'Raivo', url: 'https://raivo-otp.com' },
    ]);
  });

  it('reads protected actions from YAML and JSON in the environment, keeping the built-in ones', () => {
    const file = yamlFile(
      'stepUp:\n  actions:\n    payroll.approve: { label: Approve payroll, requirement: mfa, singleUse: true }\n' +
        '    team.add_member: { label: Add a team member, windowSeconds: 600, sliding: true }\n',
    );
    const { actions } = loadConfig({ env: {}, file }).stepUp;
    expect(actions['payroll.approve']).toMatchObject({ requirement: 'mfa', singleUse: true, windowSeconds: 0, alwaysOn: false });
    expect(actions['team.add_member']).toMatchObject({ windowSeconds: 600, sliding: true });
    expect(actions['password.change']).toMatchObject({ alwaysOn: true, windowSeconds: 0 });
    const fromEnv = loadConfig({ env: { TESSERA_STEP_UP_ACTIONS: '{"reports.export":{"label":"Export","scope":"session"}}' } });
    expect(fromEnv.stepUp.actions['reports.export']).toMatchObject({ scope: 'session' });
    expect(() => loadConfig({ env: { TESSERA_STEP_UP_ACTIONS: '{"Bad Name":{"label":"x"}}' } })).toThrow(
      /stepUp\.actions\.Bad Name/,
    );
    expect(() => loadConfig({ env: { TESSERA_STEP_UP_ACTIONS: '{not json' } })).toThrow(
      /Invalid Tessera configuration:\n {2}- stepUp\.actions/,
    );
  });
});
