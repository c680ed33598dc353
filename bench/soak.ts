import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, stopProcess, type Running } from './lib/processes.js';
import { accountsFor, formatLoad, loadEnv, maxLoadSeconds, runLoad, seedLoadAccounts } from './lib/soak.js';

/**
 * The load and soak case: the load of test/security/load.test.ts run longer (80 s by default,
 * BENCH_SOAK_SECONDS up to 90) against `tessera serve` from the sources, its figures printed and
 * written to bench/SOAK.md, which bench/RESULTS.md includes as "Load and soak" (spliced in now,
 * and kept by the next `npm run bench`). Stops by itself: a watchdog ends the server and this
 * process two minutes after the start, whatever happens.
 *
 *   node --import tsx bench/soak.ts
 */
const seconds = Math.min(Number(process.env.BENCH_SOAK_SECONDS ?? 80), maxLoadSeconds);
const workers = Number(process.env.BENCH_SOAK_WORKERS ?? 32);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const log = (message: string) => process.stderr.write(`[soak] ${message}\n`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });

const dir = mkdtempSync(join(tmpdir(), 'tessera-soak-'));
let server: Running | undefined;
const watchdog = setTimeout(() => {
  log('still running after 2 minutes: stopping');
  server?.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, 118_000);
watchdog.unref();

try {
  const startLoad = loadavg()[0]!;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { env, hostKey } = loadEnv({ databaseUrl: `sqlite:${join(dir, 'tessera.db')}`, dataDir: dir, url, port });
  const count = accountsFor(workers, seconds);
  log(`seeding ${count} accounts`);
  const accounts = await seedLoadAccounts(env, count);
  server = await startProcess({
    name: 'tessera',
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli.ts', 'serve'],
    port,
    probePath: '/readyz',
    env,
  });
  const result = await runLoad({ url, accounts, hostKey, seconds, workers, log });
  await stopProcess(server);

  const problems = [...result.serverErrors, ...result.connectionErrors, ...result.unexpected];
  const section = `## Load and soak

Written by \`node --import tsx bench/soak.ts\` on ${new Date().toISOString().slice(0, 10)}, **measured on a shared, busy machine**
(${cpus().length} cores, load average ${startLoad.toFixed(1)} at the start, other work running beside it), so these figures
are indications, never targets. One \`tessera serve\` from the sources (tsx) on SQLite with real argon2id, the clients on
the same machine over loopback. Each worker signs one of its own accounts in (password, then an authenticator code or a
recovery code, every few times after a wrong one), reads \`/api/v1/me\`, asks for a withdrawal step-up and approves it
(sometimes after a wrong code), spends the grant (sometimes twice: 409), asks for an unknown action (400), sends a
cross-site request (403) and signs out, each sign-in from its own address behind the trusted proxy; beside them a
guesser locks three accounts with wrong codes (one at a time, then twelve at once) and a sprayer sends wrong passwords
from one address. \`test/security/load.test.ts\` runs the same load for 25 s in \`npm test\` and asserts the answers;
nothing here is asserted.

${formatLoad(result)}
${problems.length ? `\nProblems:\n\n${problems.map((problem) => `- ${problem.route}: ${problem.status} ${problem.detail}`).join('\n')}\n` : ''}`;
  writeFileSync(here('SOAK.md'), section);
  const resultsFile = here('RESULTS.md');
  if (existsSync(resultsFile)) {
    const results = readFileSync(resultsFile, 'utf8');
    const start = results.indexOf('## Load and soak');
    const spliced =
      start >= 0
        ? results.slice(0, start) +
          section.trimEnd() +
          '\n\n' +
          results.slice(results.indexOf('\n## ', start) + 1 || results.length)
        : results.replace('## Analysis', `${section.trimEnd()}\n\n## Analysis`);
    writeFileSync(resultsFile, spliced);
  }
  process.stdout.write(`${section}\n`);
  log(`done: bench/SOAK.md and bench/RESULTS.md`);
  if (problems.length) process.exitCode = 1;
} finally {
  if (server) await stopProcess(server);
  clearTimeout(watchdog);
  rmSync(dir, { recursive: true, force: true });
}
