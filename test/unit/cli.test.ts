import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runOrgCommand } from '../../src/org-commands.js';
import { testConfig } from '../support/test-server.js';
import { mfaRequirementOf } from '../../src/core/flows/mfa-policy.js';
import { createServer } from '../../src/server.js';

const run = promisify(execFile);

/** The tessera command's output with this environment. */
const runWith = async (env: NodeJS.ProcessEnv, ...args: string[]) =>
  (await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env })).stdout;

/** A fresh data directory, and the tessera command run against it. */
function workspace() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  const env = { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}` };
  const tessera = (...args: string[]) => runWith({ ...env, TESSERA_NEW_PASSWORD: 'marble tangerine orbit' }, ...args);
  return { env, tessera };
}

describe('the tessera command', () => {
  it('creates an organization, requires two-step verification of its staff and adds a member', async () => {
    const { env, tessera } = workspace();
    await tessera('user', 'create', '--email', 'ada@example.com');
    const { id } = JSON.parse(await tessera('org', 'create', '--name', 'Acme', '--json')) as { id: string };
    expect(await tessera('org', 'policy', 'set', id, '--mfa', 'roles', '--roles', 'staff', '--grace-days', '7')).toContain(
      'two-step verification roles',
    );
    expect(
      JSON.parse(await tessera('org', 'member', 'add', id, '--email', 'ada@example.com', '--role', 'staff', '--json')),
    ).toMatchObject({
      role: 'staff',
    });
    await expect(tessera('org', 'policy', 'set', id, '--mfa', 'sometimes')).rejects.toThrow(
      /--mfa is optional, required or roles/,
    );
    await expect(tessera('org', 'policy', 'set', id, '--sign-in-challenge', 'sometimes')).rejects.toThrow(
      /When to ask at sign-in is one of inherit, always, adaptive, off/,
    );
    await tessera(
      'org',
      'policy',
      'set',
      id,
      '--mfa',
      'roles',
      '--roles',
      'staff',
      '--grace-days',
      '7',
      '--sign-in-challenge',
      'adaptive',
    );

    const server = await createServer(loadConfig({ env }), { warn: () => undefined, manualSweeps: true });
    try {
      const ada = (await server.deps.store.users.findByEmail('ada@example.com'))!;
      expect(await mfaRequirementOf(server.deps, ada)).toMatchObject({
        required: true,
        graceDays: 7,
        reasons: ['Acme (staff)'],
        signInChallenge: 'adaptive',
      });
    } finally {
      await server.close();
    }
  }, 60_000);

  it('lists and shows people, issues an operator code, unlocks and signs out everywhere, recording the operator', async () => {
    const { tessera } = workspace();
    await tessera('user', 'create', '--email', 'ada@example.com');
    expect(await tessera('user', 'list')).toBe('ada@example.com\tno two-step verification\n');
    const { code } = JSON.parse(
      await tessera('operator-code', 'issue', '--email', 'ada@example.com', '--operator', 'Sam', '--json'),
    );
    expect(code).toMatch(/^\d{8}$/);
    expect(await tessera('user', 'unlock', '--email', 'ada@example.com', '--operator', 'Sam')).toBe(
      'ada@example.com is unlocked.\n',
    );
    expect(await tessera('user', 'revoke-sessions', '--email', 'ada@example.com')).toContain('0 sessions ended');
    await expect(tessera('user', 'reset-mfa', '--email', 'ada@example.com')).rejects.toThrow(/Two-step verification is not on/);
    await expect(tessera('user', 'show', '--email', 'nobody@example.com')).rejects.toThrow(/no account with the address/);
    const shown = JSON.parse(await tessera('user', 'show', '--email', 'ada@example.com', '--json'));
    expect(shown).toMatchObject({ email: 'ada@example.com', factors: [], sessions: 0, lockedUntil: null });
    expect(shown.events.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['operator_code_issued', 'account_unlocked']),
    );
    expect(await tessera('help')).toContain('operator-code issue --email E');
  }, 60_000);

  it('takes an organization id that starts with a dash as the id, not an option', async () => {
    const printed: string[] = [];
    const attempt = runOrgCommand(testConfig(), ['policy', 'set', '-EWCbBoDnJaStAHwASXU_A', '--mfa', 'required'], (text) =>
      printed.push(text),
    );
    await expect(attempt).rejects.toThrow('There is no such organization.');
  });

  it('rotates keys from the command line: status by key, resealing resumed by running it again, a new signing key', async () => {
    const { env } = workspace();
    const k1 = `k1:${Buffer.alloc(32, 1).toString('base64')}`;
    const k2 = `k2:${Buffer.alloc(32, 2).toString('base64')}`;
    const withKeys = (keys: string) => ({ ...env, TESSERA_SECRETS_KEYS: keys });
    const server = await createServer(loadConfig({ env: withKeys(k1) }), { warn: () => undefined, manualSweeps: true });
    const jwks = async () => (await server.deps.grants.jwks()).keys.length;
    expect(await jwks()).toBe(1);
    await server.close();

    const rotated = await runWith(withKeys(`${k2},${k1}`), 'keys', 'rotate', '--batch', '1');
    expect(rotated).toContain('signing_key: 1 of 1 sealed again under k2');
    expect(await runWith(withKeys(`${k2},${k1}`), 'keys', 'rotate')).toContain('signing_key: 0 of 1 sealed again under k2');
    const status = JSON.parse(await runWith(withKeys(k2), 'keys', 'status', '--json'));
    expect(status).toMatchObject({ current: 'k2', usage: { 'signing keys': { k2: 1 } } });
    expect(await runWith(withKeys(k2), 'keys', 'rotate-signing')).toMatch(/^New signing key \S+ signs grants from now on/);
    expect(JSON.parse(await runWith(withKeys(k2), 'keys', 'status', '--json')).usage['signing keys']).toEqual({ k2: 2 });
  }, 60_000);

  it('registers, lists and removes OpenID Connect clients, showing a confidential client’s secret once', async () => {
    const { tessera } = workspace();
    const added = JSON.parse(
      await tessera('oidc', 'client', 'add', '--id', 'coaching', '--redirect-uri', 'https://app.example.com/callback', '--json'),
    );
    expect(added).toMatchObject({ clientId: 'coaching', clientSecret: expect.stringMatching(/^[\w-]{43}$/) });
    expect(
      await tessera('oidc', 'client', 'add', '--id', 'mobile', '--redirect-uri', 'http://127.0.0.1:8080/cb', '--public'),
    ).toContain('A public client: it uses PKCE and no secret.');
    expect(await tessera('oidc', 'client', 'list')).toBe(
      'coaching\tconfidential\thttps://app.example.com/callback\nmobile\tpublic\thttp://127.0.0.1:8080/cb\n',
    );
    expect(await tessera('oidc', 'client', 'list')).not.toContain(added.clientSecret);
    await expect(tessera('oidc', 'client', 'add', '--id', 'bad', '--redirect-uri', 'http://app.example.com/cb')).rejects.toThrow(
      /must be https/,
    );
    expect(await tessera('oidc', 'client', 'remove', '--id', 'mobile')).toBe('Removed mobile.\n');
    expect(JSON.parse(await tessera('oidc', 'client', 'list', '--json'))).toEqual([
      { clientId: 'coaching', redirectUris: ['https://app.example.com/callback'], confidential: true },
    ]);
  }, 60_000);

  it('adds webhooks for everyone or an organization, shows the secret once, lists them without it and removes one', async () => {
    const { tessera } = workspace();
    const add = (url: string, ...args: string[]) => tessera('webhook', 'add', '--url', url, ...args);
    const { id: orgId } = JSON.parse(await tessera('org', 'create', '--name', 'Acme', '--json')) as { id: string };
    const everyone = JSON.parse(
      await add('https://hooks.example.com/all', '--event', 'factor.added', '--event', 'mfa.disabled', '--json'),
    );
    expect(everyone).toEqual({
      id: expect.any(String),
      url: 'https://hooks.example.com/all',
      secret: expect.stringMatching(/^whsec_[\w-]{43}$/),
    });
    expect(await add('http://127.0.0.1:9000/in', '--event', 'account.locked', '--org', orgId)).toMatch(
      /^Added webhook \S+ for http:\/\/127\.0\.0\.1:9000\/in\.\nIts signing secret, shown this once: whsec_/,
    );
    await expect(add('https://hooks.example.com/x', '--event', 'factor.renamed')).rejects.toThrow(
      /Unknown event factor\.renamed/,
    );

    const listed = await tessera('webhook', 'list');
    expect(listed).toContain(`${everyone.id}\thttps://hooks.example.com/all\teveryone\tfactor.added,mfa.disabled\tactive\n`);
    expect(listed).toContain(`\thttp://127.0.0.1:9000/in\torg ${orgId}\taccount.locked\tactive\n`);
    expect(listed).not.toContain(everyone.secret);
    expect(await tessera('webhook', 'remove', '--id', everyone.id)).toBe(`Removed ${everyone.id}.\n`);
    const remaining = JSON.parse(await tessera('webhook', 'list', '--json')) as Record<string, unknown>[];
    expect(remaining).toEqual([
      expect.objectContaining({ url: 'http://127.0.0.1:9000/in', orgId, eventTypes: ['account.locked'] }),
    ]);
    expect(JSON.stringify(remaining)).not.toContain('secret');
    expect(await tessera('help')).toContain('webhook add --url URL --event TYPE');
  }, 60_000);
});
