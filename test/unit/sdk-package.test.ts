import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

describe('the SDK as a package', () => {
  it('builds to JavaScript with declarations that plain Node loads through its exports, without TypeScript', async () => {
    await run('npm', ['run', 'build', '--workspace', '@tessera/sdk'], { cwd: root });
    for (const entry of ['index', 'fastify', 'express']) {
      expect(existsSync(join(root, 'packages/sdk/dist', `${entry}.d.ts`))).toBe(true);
    }
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const sdk = await import('@tessera/sdk'); const { tesseraFastify } = await import('@tessera/sdk/fastify'); const { tesseraExpress } = await import('@tessera/sdk/express'); console.log(JSON.stringify({ sdk: Object.keys(sdk), fastify: typeof tesseraFastify, express: typeof tesseraExpress }))",
      ],
      { cwd: root },
    );
    const loaded = JSON.parse(stdout) as { sdk: string[]; fastify: string; express: string };
    expect(loaded.sdk).toEqual(
      expect.arrayContaining(['createTessera', 'createPromptClient', 'verifyWebhook', 'wwwAuthenticate']),
    );
    expect([loaded.fastify, loaded.express]).toEqual(['function', 'function']);
  });
});
