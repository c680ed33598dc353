import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { mfaRequirementOf } from '../../src/core/flows/mfa-policy.js';
import { createServer } from '../../src/server.js';

const run = promisify(execFile);

describe('the tessera org commands', () => {
  it('create an organization, require two-step verification of its staff and add a member', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
    const env = { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}` };
    const tessera = async (...args: string[]) =>
      (
        await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
          env: { ...env, TESSERA_NEW_PASSWORD: 'marble tangerine orbit' },
        })
      ).stdout;

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

    const server = await createServer(loadConfig({ env }), { warn: () => undefined, manualSweeps: true });
    try {
      const ada = (await server.deps.store.users.findByEmail('ada@example.com'))!;
      expect(await mfaRequirementOf(server.deps, ada)).toMatchObject({ required: true, graceDays: 7, reasons: ['Acme (staff)'] });
    } finally {
      await server.close();
    }
  }, 60_000);
});
