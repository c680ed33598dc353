import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { CoreTotpRun } from './core-totp.js';
import type { CoreGrantsRun } from './core-grants.js';
import type { CoreWebAuthnRun } from './core-webauthn.js';
import type { EnumerationTimingRun } from './enumeration-timing.js';
import type { ProfileShare } from './cpu-profile.js';
import type { LoadResult } from './load.js';
import { format, formatSpread, type Spread, spread } from './stats.js';

export interface BenchResults {
  runs: number;
  durationSeconds: number;
  sizes: { tesseraVerifies: number; peerVerifies: number; fullSignIns: number };
  postgresVersion: string;
  core: CoreTotpRun[];
  coreWebAuthn: CoreWebAuthnRun[];
  coreGrants: CoreGrantsRun[];
  /** Wrong-password sign-ins for addresses with and without an account, in one process. */
  enumeration: EnumerationTimingRun[];
  argon2: number[];
  floor: LoadResult[];
  sqliteVerify: LoadResult[];
  peerVerify: LoadResult[];
  signIns: LoadResult[];
  /** Full sign-ins with `adaptive.policy: adaptive`: every sign-in assessed (a new device each), then asked. */
  adaptiveSignIns: LoadResult[];
  /** Memory of that server: the geolocation database is loaded at start. */
  adaptiveFootprint: { idleRss: number; loadedRss: number }[];
  postgresVerify: LoadResult[];
  postgresTwoInstances: LoadResult[];
  footprint: { coldStartMs: number; idleRss: number; loadedRss: number }[];
  profile: { places: ProfileShare[]; functions: ProfileShare[] };
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const version = (pkg: string, root = '../../') => {
  try {
    return (JSON.parse(readFileSync(here(`${root}node_modules/${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
};
const percent = (value: number) => `${format(value * 100)} %`;
const times = (value: number) => `${format(value, 1)}×`;
const of = <T>(items: T[], pick: (item: T) => number): Spread => spread(items.map(pick));

/** Ratios are taken run by run (both sides measured side by side), then summarised. */
const ratio = <A, B>(a: A[], b: B[], pickA: (item: A) => number, pickB: (item: B) => number): Spread =>
  spread(a.map((item, index) => pickA(item) / pickB(b[index]!)));

function loadRow(name: string, results: LoadResult[]): string {
  return `| ${name} | ${formatSpread(of(results, (r) => r.perSecond))} | ${formatSpread(
    of(results, (r) => r.p50),
    1,
  )} | ${formatSpread(
    of(results, (r) => r.p99),
    1,
  )} | ${results.reduce((sum, r) => sum + r.failed, 0)} |`;
}

/** The "Load and soak" section bench/soak.ts wrote last, kept when the rest of the report is written again. */
const soakSection = () => (existsSync(here('../SOAK.md')) ? `${readFileSync(here('../SOAK.md'), 'utf8').trim()}\n\n` : '');

export function writeReport(results: BenchResults): void {
  const coreRatio = ratio(
    results.core,
    results.core,
    (r) => r.check,
    (r) => r.floor,
  );
  const coreDecryptRatio = ratio(
    results.core,
    results.core,
    (r) => r.checkWithDecryption,
    (r) => r.floor,
  );
  const otpauthRatio = ratio(
    results.core,
    results.core,
    (r) => r.otpauthValidate,
    (r) => r.floor,
  );
  const peerRatio = ratio(
    results.sqliteVerify,
    results.peerVerify,
    (r) => r.perSecond,
    (r) => r.perSecond,
  );
  const signInRatio = ratio(
    results.signIns,
    results.argon2,
    (r) => r.perSecond,
    (r) => r,
  );
  const floorShare = ratio(
    results.sqliteVerify,
    results.floor,
    (r) => r.perSecond,
    (r) => r.perSecond,
  );
  const pgShare = ratio(
    results.postgresVerify,
    results.sqliteVerify,
    (r) => r.perSecond,
    (r) => r.perSecond,
  );
  const scaling = ratio(
    results.postgresTwoInstances,
    results.postgresVerify,
    (r) => r.perSecond,
    (r) => r.perSecond,
  );
  const idle = of(results.footprint, (f) => f.idleRss);
  const adaptiveIdle = of(results.adaptiveFootprint, (f) => f.idleRss);
  const adaptiveRatio = ratio(
    results.adaptiveSignIns,
    results.signIns,
    (r) => r.perSecond,
    (r) => r.perSecond,
  );
  const loaded = of(results.footprint, (f) => f.loadedRss);
  const cold = of(results.footprint, (f) => f.coldStartMs);
  const mark = (ok: boolean) => (ok ? 'met' : 'not met');
  const cpu = cpus();

  const report = `# Benchmarks

Written by \`npm run bench\` (${format(results.durationSeconds)} s). Every figure is the **median (min – max) of ${results.runs} runs**; ratios are
taken within each run, where both sides ran side by side on the same machine, and then summarised. Absolute numbers on this
2-core machine are noisy; the ratios are the result. The load generator (autocannon, 50 connections, keep-alive) runs on the
same machine and takes CPU from the server, for every system alike.

## Machine and versions

- ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${format(totalmem() / 2 ** 30, 1)} GiB, ${osType()} ${release()}
- Node ${process.version}; Tessera ${(JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as { version: string }).version} with fastify ${version('fastify')}, better-sqlite3 ${version('better-sqlite3')}, pg ${version('pg')}, kysely ${version('kysely')}, otpauth ${version('otpauth')}, @node-rs/argon2 ${version('@node-rs/argon2')}
- Peer: better-auth ${version('better-auth', '../')} (two-factor plugin, same better-sqlite3); load generator autocannon ${version('autocannon', '../')}; PostgreSQL ${results.postgresVersion}
- Sizes per run: ${results.sizes.tesseraVerifies} Tessera verifies, ${results.sizes.peerVerifies} better-auth verifies, ${results.sizes.fullSignIns} full sign-ins

## Summary

| measure | result | target | |
|---|---|---|---|
| core TOTP check (wrong code, ±1 window) vs the HMAC floor | ${formatSpread({ min: coreRatio.min * 100, median: coreRatio.median * 100, max: coreRatio.max * 100 })} % | ≥ 50 % | ${mark(coreRatio.median >= 0.5)} |
| HTTP second-factor verify, Tessera vs better-auth (SQLite) | ${times(peerRatio.median)} (${times(peerRatio.min)} – ${times(peerRatio.max)}) | ≥ 10× | ${mark(peerRatio.median >= 10)} |
| full sign-ins/s vs argon2id hashes/s | ${percent(signInRatio.median)} (${percent(signInRatio.min)} – ${percent(signInRatio.max)}) | ≥ 85 % | ${mark(signInRatio.median >= 0.85)} |
| HTTP verify vs a bare Fastify route | ${percent(floorShare.median)} (${percent(floorShare.min)} – ${percent(floorShare.max)}) | ≥ 20 % | ${mark(floorShare.median >= 0.2)} |
| idle RSS | ${formatSpread(idle, 1)} MiB | ≤ 100 MB | ${mark(idle.median <= 95.4)} |
| cold start to first answered request | ${formatSpread({ min: cold.min / 1000, median: cold.median / 1000, max: cold.max / 1000 }, 2)} s | ≤ 1.5 s | ${mark(cold.median <= 1500)} |

![Throughput and ratios](results.svg)

## 1. TOTP check in the core

Worst case: a wrong code, so all three steps of the ±1 window are computed (a wrong code never reaches the replay check, which
is one conditional UPDATE and is measured in section 2). The floor is three raw HMAC-SHA1s over an 8-byte counter with
\`node:crypto\`, in the same process.

| | checks/s | vs floor |
|---|---|---|
| floor: 3 × HMAC-SHA1 | ${formatSpread(of(results.core, (r) => r.floor))} | 100 % |
| Tessera \`matchTotpStep\` | ${formatSpread(of(results.core, (r) => r.check))} | ${percent(coreRatio.median)} |
| Tessera with AES-256-GCM decryption of the secret first (the real path) | ${formatSpread(of(results.core, (r) => r.checkWithDecryption))} | ${percent(coreDecryptRatio.median)} |
| otpauth \`TOTP.validate\` | ${formatSpread(of(results.core, (r) => r.otpauthValidate))} | ${percent(otpauthRatio.median)} |

### Security key answers

Checking a security key's answer with @simplewebauthn/server (client data and authenticator data parsed; challenge, origin,
RP ID and presence checked; the COSE public key imported into Web Crypto and the ES256 signature verified), 16 at a time,
next to the floor: one ECDSA P-256 verification of the same bytes with \`node:crypto\`, synchronously. The library imports
the key into Web Crypto on every call; that import, not the signature, is most of the difference.

| | checks/s | vs floor |
|---|---|---|
| floor: ECDSA P-256 verify | ${formatSpread(of(results.coreWebAuthn, (r) => r.floor))} | 100 % |
| Tessera \`verifyAssertion\` | ${formatSpread(of(results.coreWebAuthn, (r) => r.check))} | ${percent(
    ratio(
      results.coreWebAuthn,
      results.coreWebAuthn,
      (r) => r.check,
      (r) => r.floor,
    ).median,
  )} |

### Step-up grants

Issuing a grant (claims, a JWT header and an Ed25519 signature through jose, with the key opened once from its sealed form)
and checking one (signature, issuer, type and expiry), 16 at a time, next to the floor: one raw Ed25519 signature, and one
verification, of the same bytes with \`node:crypto\`.

| | per second | vs floor |
|---|---|---|
| floor: Ed25519 sign | ${formatSpread(of(results.coreGrants, (r) => r.signFloor))} | 100 % |
| Tessera grant issued | ${formatSpread(of(results.coreGrants, (r) => r.sign))} | ${percent(
    ratio(
      results.coreGrants,
      results.coreGrants,
      (r) => r.sign,
      (r) => r.signFloor,
    ).median,
  )} |
| floor: Ed25519 verify | ${formatSpread(of(results.coreGrants, (r) => r.verifyFloor))} | 100 % |
| Tessera grant checked | ${formatSpread(of(results.coreGrants, (r) => r.verify))} | ${percent(
    ratio(
      results.coreGrants,
      results.coreGrants,
      (r) => r.verify,
      (r) => r.verifyFloor,
    ).median,
  )} |

## 2. Second-factor verification over HTTP (SQLite, 50 connections)

Each request completes one pre-created pending sign-in with a valid code for its own account, computed just before sending,
so replay protection, secret decryption, the per-account budget and session creation are all on the measured path. The per-IP
limit is raised for the single loopback client; better-auth's rate limiter is off.

| system | verifies/s | p50 ms | p99 ms | failed |
|---|---|---|---|---|
${loadRow('Tessera', results.sqliteVerify)}
${loadRow('better-auth two-factor', results.peerVerify)}

Tessera / better-auth: **${times(peerRatio.median)}** (${times(peerRatio.min)} – ${times(peerRatio.max)}).

## 3. Full sign-in (password, then the authenticator code)

| | per second | p50 ms | p99 ms | failed |
|---|---|---|---|---|
${loadRow('Tessera full sign-ins (2 requests each)', results.signIns)}
| argon2id ceiling (m=19456, t=2, p=1, 4 in flight, same machine) | ${formatSpread(of(results.argon2, (r) => r))} | | | |

Sign-ins per hash: **${percent(signInRatio.median)}**; the rest of each sign-in's time is overhead beyond the one argon2id
verification it needs.

### With adaptive sign-in

The same sign-ins on a server with \`adaptive.policy: adaptive\`, measured in the same run: each one is assessed (device
cookie, geolocation in the bundled DB-IP Lite database, the last located sign-in, refused sign-ins from the address) and,
coming from a device never seen, asked for the code; the assessment is stored and completed with the session.

| | per second | p50 ms | p99 ms | failed |
|---|---|---|---|---|
${loadRow('Tessera full sign-ins, adaptive', results.adaptiveSignIns)}

Adaptive / always: **${percent(adaptiveRatio.median)}** (${percent(adaptiveRatio.min)} – ${percent(adaptiveRatio.max)}).
Memory with the geolocation database loaded: idle RSS ${formatSpread(adaptiveIdle, 1)} MiB against ${formatSpread(idle, 1)} MiB
without it (${format(adaptiveIdle.median - idle.median, 1)} MiB more at the median), ${formatSpread(
    of(results.adaptiveFootprint, (f) => f.loadedRss),
    1,
  )} MiB after the sign-ins.

## 4. The HTTP floor

| | requests/s | p50 ms | p99 ms | failed |
|---|---|---|---|---|
${loadRow('bare Fastify route (constant JSON)', results.floor)}

Tessera's verify reaches **${percent(floorShare.median)}** of the bare route.

## 5. PostgreSQL

| | verifies/s | p50 ms | p99 ms | failed |
|---|---|---|---|---|
${loadRow('Tessera on PostgreSQL, one instance', results.postgresVerify)}
${loadRow('Tessera on PostgreSQL, two instances (25 connections each)', results.postgresTwoInstances)}

PostgreSQL vs SQLite: ${percent(pgShare.median)}; two instances vs one: ${times(scaling.median)} — on 2 cores shared with the
database and the load generator, a second instance mostly competes for the same CPU.

## 6. Footprint

| cold start (spawn → first answer) | idle RSS | RSS after the verify load |
|---|---|---|
| ${formatSpread(cold)} ms | ${formatSpread(idle, 1)} MiB | ${formatSpread(loaded, 1)} MiB |

Tessera runs here as it runs in production: compiled by \`npm run build\` and started with \`node dist/cli.js serve\` on
SQLite (\`npm start\` runs the TypeScript sources through tsx instead, which adds about 35 MB and compile time at start).

## 7. Where the time goes

CPU profile of one Tessera process (\`node --cpu-prof\`) during a verify run on SQLite, busy samples only:

| where | share |
|---|---|
${results.profile.places.map((place) => `| ${place.name} | ${percent(place.share)} |`).join('\n')}

| hottest functions (self time) | share |
|---|---|
${results.profile.functions.map((fn) => `| ${fn.name.replaceAll('|', '\\|')} | ${percent(fn.share)} |`).join('\n')}

## 8. Sign-in latency: an address with an account and one without

A wrong password for an existing account (an authenticator app on, a real argon2id hash) and for an address without
one, ${results.enumeration[0]?.samples ?? 0} of each per run, in one process through \`inject()\`, alternating which goes first; every
request names another address, so no throttle is reached. Both verify one argon2id hash (the unknown address against a
stand-in), which the tests count (test/security/enumeration.test.ts); this is what it looks like in time.

| | median ms |
|---|---|
| known address | ${formatSpread(
    of(results.enumeration, (r) => r.knownMs),
    1,
  )} |
| unknown address | ${formatSpread(
    of(results.enumeration, (r) => r.unknownMs),
    1,
  )} |

Known / unknown: **${formatSpread(
    of(results.enumeration, (r) => r.ratio),
    3,
  )}** (1 is alike).

${soakSection()}${readFileSync(here('../ANALYSIS.md'), 'utf8').trim()}
`;
  writeFileSync(here('../RESULTS.md'), report);
  writeFileSync(
    here('../results.svg'),
    chart(
      [
        ['bare Fastify route', of(results.floor, (r) => r.perSecond).median],
        ['Tessera verify, SQLite', of(results.sqliteVerify, (r) => r.perSecond).median],
        ['Tessera verify, PostgreSQL', of(results.postgresVerify, (r) => r.perSecond).median],
        ['Tessera verify, PostgreSQL ×2', of(results.postgresTwoInstances, (r) => r.perSecond).median],
        ['better-auth verify, SQLite', of(results.peerVerify, (r) => r.perSecond).median],
        ['argon2id hashes', of(results.argon2, (r) => r).median],
        ['Tessera full sign-ins', of(results.signIns, (r) => r.perSecond).median],
      ],
      [
        ['core check / HMAC floor', coreRatio.median, 0.5],
        ['HTTP verify / bare route', floorShare.median, 0.2],
        ['full sign-in / argon2id', signInRatio.median, 0.85],
      ],
    ),
  );
}

/** A two-panel SVG: throughput on a log scale, and ratios against their targets. */
function chart(throughput: [string, number][], ratios: [string, number, number][]): string {
  const width = 760;
  const labelWidth = 230;
  const barArea = width - labelWidth - 90;
  const row = 26;
  const top = 50;
  const maxLog = Math.log10(Math.max(...throughput.map(([, value]) => value)) * 1.2);
  const bars = throughput
    .map(([name, value], index) => {
      const y = top + index * row;
      const length = (Math.log10(Math.max(value, 1)) / maxLog) * barArea;
      const colour = name.startsWith('Tessera') ? '#1f4bd8' : name.startsWith('better-auth') ? '#d97706' : '#64748b';
      return `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${name}</text><rect x="${labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="16" fill="${colour}"/><text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}">${format(value)}/s</text>`;
    })
    .join('');
  const secondTop = top + throughput.length * row + 60;
  const ratioBars = ratios
    .map(([name, value, target], index) => {
      const y = secondTop + index * row;
      const scale = barArea / 1.2;
      return `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${name}</text><rect x="${labelWidth}" y="${y + 3}" width="${(Math.min(value, 1.2) * scale).toFixed(1)}" height="16" fill="${value >= target ? '#067647' : '#b42318'}"/><line x1="${(labelWidth + target * scale).toFixed(1)}" x2="${(labelWidth + target * scale).toFixed(1)}" y1="${y}" y2="${y + 22}" stroke="#111" stroke-dasharray="3 2"/><text x="${(labelWidth + Math.min(value, 1.2) * scale + 6).toFixed(1)}" y="${y + 15}">${format(value * 100)} %</text>`;
    })
    .join('');
  const height = secondTop + ratios.length * row + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="16" y="28" font-size="15" font-weight="bold">Requests or operations per second (log scale, medians)</text>
${bars}
<text x="16" y="${secondTop - 22}" font-size="15" font-weight="bold">Ratios (bar) against targets (dashed line)</text>
${ratioBars}
</svg>
`;
}
