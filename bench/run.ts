import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { seedBetterAuthPeer } from './peer/seed.js';
import { argon2Ceiling } from './lib/argon2-ceiling.js';
import { coreTotpRun, type CoreTotpRun } from './lib/core-totp.js';
import { coreGrantsRun, type CoreGrantsRun } from './lib/core-grants.js';
import { coreWebAuthnRun, type CoreWebAuthnRun } from './lib/core-webauthn.js';
import { enumerationTimingRun, type EnumerationTimingRun } from './lib/enumeration-timing.js';
import { summariseProfile } from './lib/cpu-profile.js';
import { type LoadResult, runConstantLoad, runFullSignIns, runVerifyLoad, type VerifyRequest } from './lib/load.js';
import { port, type Running, rssMiB, startProcess, stopProcess } from './lib/processes.js';
import { writeReport } from './lib/report.js';
import { benchPassword, seedTessera, type SeededUser, tesseraEnv } from './lib/seed-tessera.js';

/** Repetitions of every measurement; the report gives min, median and max. */
const runs = Number(process.env.BENCH_RUNS ?? 3);
/** Pending sign-ins completed per Tessera verify run, and per peer run (the peer is much slower). */
const tesseraVerifies = Number(process.env.BENCH_VERIFIES ?? 4000);
const peerVerifies = Number(process.env.BENCH_PEER_VERIFIES ?? 1200);
const fullSignIns = Number(process.env.BENCH_SIGN_INS ?? 300);
/** Requests each server answers before it is measured, so the JIT has warmed up for every system alike. */
const warmup = Number(process.env.BENCH_WARMUP ?? 300);
const postgresBase = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';

const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const started = Date.now();

const tesseraVerifyRequests = (url: string, users: SeededUser[]): VerifyRequest[] =>
  users.map((user) => ({
    url,
    path: '/api/v1/sign-in/second-factor',
    cookie: user.pendingCookie!,
    secret: user.secret,
    body: (code) => JSON.stringify({ code }),
    headers: { origin: url },
  }));

async function startTessera(
  databaseUrl: string,
  dataDir: string,
  nodeOptions: string[] = [],
  env: Record<string, string> = {},
): Promise<Running> {
  const serverPort = port();
  return startProcess({
    name: 'tessera',
    command: process.execPath,
    args: [...nodeOptions, 'dist/cli.js', 'serve'],
    port: serverPort,
    probePath: '/healthz',
    env: { ...tesseraEnv(databaseUrl, serverPort, dataDir), ...env },
  });
}

async function withPostgresDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const name = `tessera_bench_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: `${postgresBase}/postgres` });
  await admin.connect();
  await admin.query(`create database ${name}`);
  try {
    return await body(`${postgresBase}/${name}`);
  } finally {
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
  }
}

const core: CoreTotpRun[] = [];
const coreWebAuthn: CoreWebAuthnRun[] = [];
const coreGrants: CoreGrantsRun[] = [];
const enumeration: EnumerationTimingRun[] = [];
const argon2: number[] = [];
const floor: LoadResult[] = [];
const sqliteVerify: LoadResult[] = [];
const peerVerify: LoadResult[] = [];
const signIns: LoadResult[] = [];
const adaptiveSignIns: LoadResult[] = [];
const adaptiveFootprint: { idleRss: number; loadedRss: number }[] = [];
const postgresVerify: LoadResult[] = [];
const postgresTwoInstances: LoadResult[] = [];
const footprint: { coldStartMs: number; idleRss: number; loadedRss: number }[] = [];

try {
  for (let run = 1; run <= runs; run++) {
    log(`run ${run}/${runs}: core TOTP check`);
    core.push(coreTotpRun());
    log(`run ${run}/${runs}: core WebAuthn check`);
    coreWebAuthn.push(await coreWebAuthnRun());
    log(`run ${run}/${runs}: step-up grants`);
    coreGrants.push(await coreGrantsRun());
    log(`run ${run}/${runs}: sign-in latency, known vs unknown address`);
    enumeration.push(await enumerationTimingRun());

    log(`run ${run}/${runs}: argon2id ceiling`);
    argon2.push(await argon2Ceiling());

    log(`run ${run}/${runs}: bare Fastify route`);
    const floorPort = port();
    const floorServer = await startProcess({
      name: 'floor',
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/floor-server.ts'],
      port: floorPort,
      probePath: '/',
      env: { PORT: String(floorPort) },
    });
    floor.push(await runConstantLoad(floorServer.url, 4));
    await stopProcess(floorServer);

    log(`run ${run}/${runs}: Tessera verify on SQLite (${tesseraVerifies} pending sign-ins)`);
    const sqliteDir = join(work, `sqlite-${run}`);
    mkdirSync(sqliteDir);
    const sqliteUrl = `sqlite:${join(sqliteDir, 'tessera.db')}`;
    const seeded = await seedTessera(sqliteUrl, sqliteDir, { users: tesseraVerifies + warmup, prefix: `v${run}`, pending: true });
    const tessera = await startTessera(sqliteUrl, sqliteDir);
    await sleep(1000);
    const idleRss = rssMiB(tessera.child.pid!);
    await runVerifyLoad(tesseraVerifyRequests(tessera.url, seeded.slice(0, warmup)));
    sqliteVerify.push(await runVerifyLoad(tesseraVerifyRequests(tessera.url, seeded.slice(warmup))));
    footprint.push({ coldStartMs: tessera.coldStartMs, idleRss, loadedRss: rssMiB(tessera.child.pid!) });
    await stopProcess(tessera);

    log(`run ${run}/${runs}: better-auth verify on SQLite (${peerVerifies} pending sign-ins)`);
    const peerDb = join(work, `peer-${run}.db`);
    const peerPort = port();
    const peer = await startProcess({
      name: 'better-auth',
      command: process.execPath,
      args: ['--import', 'tsx', 'bench/peer/better-auth-server.ts', '--db', peerDb, '--port', String(peerPort)],
      port: peerPort,
      probePath: '/api/auth/ok',
    });
    const { pending, verifyRequest } = await seedBetterAuthPeer({ url: peer.url, dbFile: peerDb, users: peerVerifies + warmup });
    await runVerifyLoad(pending.slice(0, warmup).map((entry) => verifyRequest(entry)));
    peerVerify.push(await runVerifyLoad(pending.slice(warmup).map((entry) => verifyRequest(entry))));
    await stopProcess(peer);

    log(`run ${run}/${runs}: Tessera full sign-ins on SQLite (${fullSignIns})`);
    const signInDir = join(work, `sign-in-${run}`);
    mkdirSync(signInDir);
    const signInUrl = `sqlite:${join(signInDir, 'tessera.db')}`;
    const signInUsers = await seedTessera(signInUrl, signInDir, { users: fullSignIns + 50, prefix: `s${run}`, pending: false });
    const signInServer = await startTessera(signInUrl, signInDir);
    await runFullSignIns(signInServer.url, signInUsers.slice(0, 50), benchPassword);
    signIns.push(await runFullSignIns(signInServer.url, signInUsers.slice(50), benchPassword));
    await stopProcess(signInServer);

    log(`run ${run}/${runs}: Tessera full sign-ins on SQLite with adaptive sign-in (${fullSignIns})`);
    const adaptiveDir = join(work, `adaptive-${run}`);
    mkdirSync(adaptiveDir);
    const adaptiveUrl = `sqlite:${join(adaptiveDir, 'tessera.db')}`;
    const adaptiveUsers = await seedTessera(adaptiveUrl, adaptiveDir, {
      users: fullSignIns + 50,
      prefix: `a${run}`,
      pending: false,
    });
    const adaptiveServer = await startTessera(adaptiveUrl, adaptiveDir, [], { TESSERA_ADAPTIVE_POLICY: 'adaptive' });
    const adaptiveIdleRss = rssMiB(adaptiveServer.child.pid!);
    await runFullSignIns(adaptiveServer.url, adaptiveUsers.slice(0, 50), benchPassword);
    adaptiveSignIns.push(await runFullSignIns(adaptiveServer.url, adaptiveUsers.slice(50), benchPassword));
    adaptiveFootprint.push({ idleRss: adaptiveIdleRss, loadedRss: rssMiB(adaptiveServer.child.pid!) });
    await stopProcess(adaptiveServer);

    log(`run ${run}/${runs}: Tessera verify on PostgreSQL, one instance and two`);
    await withPostgresDatabase(async (postgresUrl) => {
      const pgDir = join(work, `pg-${run}`);
      mkdirSync(pgDir);
      const single = await seedTessera(postgresUrl, pgDir, { users: tesseraVerifies + warmup, prefix: `p${run}`, pending: true });
      const one = await startTessera(postgresUrl, pgDir);
      await runVerifyLoad(tesseraVerifyRequests(one.url, single.slice(0, warmup)));
      postgresVerify.push(await runVerifyLoad(tesseraVerifyRequests(one.url, single.slice(warmup))));
      await stopProcess(one);

      const double = await seedTessera(postgresUrl, pgDir, {
        users: tesseraVerifies + 2 * warmup,
        prefix: `q${run}`,
        pending: true,
      });
      const [a, b] = await Promise.all([startTessera(postgresUrl, pgDir), startTessera(postgresUrl, pgDir)]);
      await Promise.all([
        runVerifyLoad(tesseraVerifyRequests(a!.url, double.splice(0, warmup)), 25),
        runVerifyLoad(tesseraVerifyRequests(b!.url, double.splice(0, warmup)), 25),
      ]);
      const half = Math.floor(double.length / 2);
      const [left, right] = await Promise.all([
        runVerifyLoad(tesseraVerifyRequests(a!.url, double.slice(0, half)), 25),
        runVerifyLoad(tesseraVerifyRequests(b!.url, double.slice(half)), 25),
      ]);
      postgresTwoInstances.push({
        perSecond: left.perSecond + right.perSecond,
        p50: Math.max(left.p50, right.p50),
        p99: Math.max(left.p99, right.p99),
        ok: left.ok + right.ok,
        failed: left.failed + right.failed,
      });
      await Promise.all([stopProcess(a!), stopProcess(b!)]);
    });
  }

  log('CPU profile of the verify path');
  const profileDir = join(work, 'profile');
  mkdirSync(profileDir);
  const profileUrl = `sqlite:${join(profileDir, 'tessera.db')}`;
  const profiled = await seedTessera(profileUrl, profileDir, { users: tesseraVerifies + warmup, prefix: 'prof', pending: true });
  const profiledServer = await startTessera(profileUrl, profileDir, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  await runVerifyLoad(tesseraVerifyRequests(profiledServer.url, profiled.slice(0, warmup)));
  await runVerifyLoad(tesseraVerifyRequests(profiledServer.url, profiled.slice(warmup)));
  await stopProcess(profiledServer);
  const profile = summariseProfile(profileDir);

  const postgresVersion = await (async () => {
    const client = new pg.Client({ connectionString: `${postgresBase}/postgres` });
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    await client.end();
    return rows[0]!.server_version;
  })();

  writeReport({
    runs,
    durationSeconds: (Date.now() - started) / 1000,
    sizes: { tesseraVerifies, peerVerifies, fullSignIns },
    postgresVersion,
    core,
    coreWebAuthn,
    coreGrants,
    enumeration,
    argon2,
    floor,
    sqliteVerify,
    peerVerify,
    signIns,
    adaptiveSignIns,
    adaptiveFootprint,
    postgresVerify,
    postgresTwoInstances,
    footprint,
    profile,
  });
  log(`done in ${Math.round((Date.now() - started) / 1000)} s: bench/RESULTS.md and bench/results.svg`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
