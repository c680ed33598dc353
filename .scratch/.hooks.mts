import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { port, startProcess, stopProcess } from '/work/main/bench/lib/processes.ts';
import { tesseraEnv } from '/work/main/bench/lib/seed-tessera.ts';
const dir = mkdtempSync(join(tmpdir(), 'bt-'));
const url = `sqlite:${join(dir, 't.db')}`;
const p = port();
const s = await startProcess({ name: 't', command: process.execPath, args: ['bin/tessera.js', 'serve'], port: p, probePath: '/healthz', env: tesseraEnv(url, p, dir) });
for (const [name, opts] of [['healthz', { url: s.url + '/healthz' }], ['verify-no-cookie', { url: s.url + '/api/v1/sign-in/second-factor', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"123456"}' }], ['me-unauth', { url: s.url + '/api/v1/me' }]] as const) {
  const r = await autocannon({ ...opts, connections: 50, duration: 3 } as autocannon.Options);
  console.log(name, Math.round(r.requests.average), r.latency.p50, r.non2xx);
}
await stopProcess(s);
