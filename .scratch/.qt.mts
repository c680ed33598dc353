import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { configSchema } from '/work/main/src/config.ts';
import { createServer } from '/work/main/src/server.ts';
import { completeSecondFactor } from '/work/main/src/core/flows/complete-second-factor.ts';
import { seedTessera, benchKeys } from '/work/main/bench/lib/seed-tessera.ts';
const dir = mkdtempSync(join(tmpdir(), 'bt-'));
const url = `sqlite:${join(dir, 't.db')}`;
const users = await seedTessera(url, dir, { users: 3000, prefix: 'x', pending: true });
const config = { ...configSchema.parse({ database: { url }, dataDir: dir, secrets: { keys: [{ id: 'bench1', secret: benchKeys.slice(7) }] } }), mode: 'development' as const };
const server = await createServer(config, { warn: () => {} });
const times = new Map<string, number>();
for (const [repoName, repo] of Object.entries(server.deps.store)) {
  for (const [name, fn] of Object.entries(repo as Record<string, Function>)) {
    (repo as Record<string, Function>)[name] = async (...args: unknown[]) => { const t = performance.now(); try { return await fn.apply(repo, args); } finally { times.set(`${repoName}.${name}`, (times.get(`${repoName}.${name}`) ?? 0) + performance.now() - t); } };
  }
}
const t0 = performance.now();
for (const u of users) {
  await completeSecondFactor(server.deps, { pendingToken: u.pendingCookie!.split('=')[1]!, proof: { code: TOTP.generate({ secret: Secret.fromBase32(u.secret) }) }, ip: '1.1.1.1' });
}
const total = performance.now() - t0;
console.log('per verify ms', total / users.length);
console.log([...times].map(([k, v]) => [k, (v / users.length).toFixed(3)]));
await server.close();
