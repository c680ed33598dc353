// Self-check for the better-auth peer: npx tsx bench/peer/check.ts (from /work/main)
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret, TOTP } from 'otpauth';
import { createTotpUser, seedBetterAuthPeer, signInPending } from './seed.js';

const USERS = 50;
const HTTP_USERS = 10;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function startServer(dbFile: string, port: number): Promise<ChildProcess> {
  const script = fileURLToPath(new URL('./better-auth-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--db', dbFile, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`READY ${port}\n`)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before READY; stdout: ${out}`)));
  });
}

function verify(url: string, cookie: string, code: string): Promise<Response> {
  return fetch(`${url}/api/auth/two-factor/verify-totp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url, cookie },
    body: JSON.stringify({ code }),
  });
}

const code = (secret: string): string => new TOTP({ secret: Secret.fromBase32(secret) }).generate();

const dir = mkdtempSync(join(tmpdir(), 'peer-check-'));
const dbFile = join(dir, 'peer.db');
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = await startServer(dbFile, port);
try {
  const started = performance.now();
  const seeded = await seedBetterAuthPeer({ url, dbFile, users: USERS });
  console.log(`seeded ${USERS} pending sign-ins (state inserted) in ${((performance.now() - started) / 1000).toFixed(2)}s`);
  const viaHttp = await seedBetterAuthPeer({ url, dbFile, users: HTTP_USERS, pendingVia: 'http' });
  const pending = [...seeded.pending, ...viaHttp.pending];
  assert.equal(pending.length, USERS + HTTP_USERS);

  let ok = 0;
  for (const p of pending) {
    const request = seeded.verifyRequest(p);
    const res = await fetch(`${request.url}${request.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: request.cookie, ...request.headers },
      body: request.body(code(request.secret)),
    });
    const body = await res.text();
    assert.equal(res.status, 200, body);
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('better-auth.session_token=') && !/max-age=0/i.test(c)));
    ok++;
  }
  console.log(`verify-totp: ${ok}/${pending.length} answered 200 with a better-auth.session_token cookie (${HTTP_USERS} of them from real POST /sign-in/email)`);

  const first = pending[0]!;
  const reuse = await verify(url, first.cookie, code(first.secret));
  assert.notEqual(reuse.status, 200);
  console.log(`reusing a consumed pending cookie: ${reuse.status} ${await reuse.text()}`);

  // Replay: two pending sign-ins for one user, both answered with the very same code.
  const { secret } = await createTotpUser(url, 'replay@bench.test');
  const signIns = [await signInPending(url, 'replay@bench.test'), await signInPending(url, 'replay@bench.test')];
  const replayCode = code(secret);
  const [once, again] = [await verify(url, signIns[0]!, replayCode), await verify(url, signIns[1]!, replayCode)];
  assert.equal(once.status, 200);
  console.log(
    `same TOTP code on a second pending sign-in: ${again.status} (${again.status === 200 ? 'accepted: no replay protection' : 'refused'})`,
  );
  console.log(`example pending cookie: ${pending[1]!.cookie}`);
  console.log('check: OK');
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
