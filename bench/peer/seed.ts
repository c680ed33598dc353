// Seeds better-auth users with activated TOTP two-factor and one pending two-factor sign-in each.
//
// One template user goes through the real HTTP flow (sign-up, enable, verify-totp, sign-in) and
// every other user is bulk-inserted with the same row shapes: a copy of its scrypt hash, a
// twoFactor row whose secret and backup codes are encrypted with better-auth's own
// symmetricEncrypt, and (by default) the two verification rows plus signed cookie that
// POST /sign-in/email leaves behind for a pending two-factor sign-in. The forged cookie format is
// checked byte for byte against the template's real sign-in. With `pendingVia: 'http'` every
// pending sign-in instead comes from a real POST /sign-in/email (scrypt per user, ~20/s on 2 cores).
// Either way verify-totp does exactly the work it does for a real client.
import { randomUUID } from 'node:crypto';
import { generateRandomString, makeSignature, symmetricEncrypt } from 'better-auth/crypto';
import { Secret, TOTP } from 'otpauth';
import { PEER_SECRET, openPeerDatabase } from './auth-options.js';

export interface PendingSignIn {
  /** Full Cookie header value for POST /api/auth/two-factor/verify-totp. */
  cookie: string;
  /** Base32 TOTP secret (as in the otpauth:// URI better-auth hands out). */
  secret: string;
}

/** The verify request for one pending sign-in (the shape of bench/lib/load.ts's VerifyRequest). */
export interface PeerVerifyRequest extends PendingSignIn {
  url: string;
  path: string;
  body: (code: string) => string;
  headers: Record<string, string>;
}

export const PASSWORD = 'peer-bench-password-1';
const TWO_FACTOR_COOKIE = 'better-auth.two_factor';
const CONCURRENCY = 16;

/** Turns Set-Cookie headers into a Cookie header value, dropping cookies that are being expired. */
export function cookieHeader(res: Response): string {
  return res.headers
    .getSetCookie()
    .filter((c) => !/;\s*max-age=0(;|$)/i.test(c))
    .map((c) => c.split(';', 1)[0]!)
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

export async function post(url: string, path: string, body: unknown, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', origin: url };
  if (cookie) headers.cookie = cookie;
  const res = await fetch(`${url}/api/auth${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`POST ${path} -> ${res.status}: ${await res.text()}`);
  return res;
}

/** A real user: sign-up, enable TOTP, activate it with a valid code, all over HTTP. */
export async function createTotpUser(url: string, email: string): Promise<{ userId: string; secret: string }> {
  const signUp = await post(url, '/sign-up/email', { email, password: PASSWORD, name: 'template' });
  const { user } = (await signUp.json()) as { user: { id: string } };
  const session = cookieHeader(signUp);
  const enable = await post(url, '/two-factor/enable', { password: PASSWORD }, session);
  const { totpURI } = (await enable.json()) as { totpURI: string };
  const secret = new URL(totpURI).searchParams.get('secret')!;
  const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
  // enable may rotate the session; the activation must use the current one.
  await post(url, '/two-factor/verify-totp', { code }, cookieHeader(enable) || session);
  return { userId: user.id, secret };
}

/** POST /sign-in/email for a user with two-factor enabled; returns the pending sign-in's Cookie header. */
export async function signInPending(url: string, email: string): Promise<string> {
  const res = await post(url, '/sign-in/email', { email, password: PASSWORD });
  const body = (await res.json()) as { twoFactorRedirect?: boolean };
  const cookie = cookieHeader(res);
  if (!body.twoFactorRedirect || !cookie.startsWith(`${TWO_FACTOR_COOKIE}=`) || cookie.includes(';')) {
    throw new Error(`sign-in for ${email} did not end in a pending two-factor state: ${cookie}`);
  }
  return cookie;
}

/** What better-call's setSignedCookie produces: encodeURIComponent(`${value}.${base64 HMAC-SHA256}`). */
async function signedCookie(identifier: string): Promise<string> {
  return `${TWO_FACTOR_COOKIE}=${encodeURIComponent(`${identifier}.${await makeSignature(identifier, PEER_SECRET)}`)}`;
}

/** Same shape as better-auth's two-factor backup codes (10 x "xxxxx-xxxxx"). */
function backupCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const code = generateRandomString(10, 'a-z', '0-9', 'A-Z');
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface SeedRow {
  userId: string;
  email: string;
  secret: string;
  encryptedSecret: string;
  encryptedBackupCodes: string;
  identifier: string;
  cookie: string;
}

export async function seedBetterAuthPeer(options: {
  url: string;
  dbFile: string;
  users: number;
  /** 'db' (default): insert the pending sign-in state directly; 'http': POST /sign-in/email per user. */
  pendingVia?: 'db' | 'http';
}): Promise<{ pending: PendingSignIn[]; verifyRequest: (entry: PendingSignIn) => PeerVerifyRequest }> {
  const { url, dbFile, users, pendingVia = 'db' } = options;
  const run = randomUUID().slice(0, 8);
  const { userId: templateId } = await createTotpUser(url, `peer-${run}-template@bench.test`);
  const templateCookie = await signInPending(url, `peer-${run}-template@bench.test`);
  const templateIdentifier = decodeURIComponent(templateCookie.slice(TWO_FACTOR_COOKIE.length + 1)).replace(/\.[^.]*$/, '');
  if ((await signedCookie(templateIdentifier)) !== templateCookie) {
    throw new Error('forged two-factor cookie does not match the one better-auth set');
  }

  const db = openPeerDatabase(dbFile);
  const { password: hash } = db
    .prepare("SELECT password FROM account WHERE userId = ? AND providerId = 'credential'")
    .get(templateId) as { password: string };
  const template = db.prepare('SELECT verified, failedVerificationCount FROM twoFactor WHERE userId = ?').get(templateId) as
    | { verified: number | null; failedVerificationCount: number | null }
    | undefined;
  if (template?.verified !== 1) throw new Error('template user did not end up with verified TOTP');
  const pendingRows = db
    .prepare('SELECT identifier, value, expiresAt, createdAt FROM verification WHERE identifier IN (?, ?)')
    .all(templateIdentifier, `2fa-attempts-${templateIdentifier}`) as { identifier: string; value: string; expiresAt: string; createdAt: string }[];
  const challenge = pendingRows.find((r) => r.identifier === templateIdentifier);
  if (pendingRows.length !== 2 || challenge?.value !== templateId) throw new Error('unexpected pending sign-in rows');
  const pendingTtlMs = Date.parse(challenge.expiresAt) - Date.parse(challenge.createdAt);

  const rows: SeedRow[] = [];
  for (let i = 0; i < users; i++) {
    // Stored like /two-factor/enable stores it: a raw 32-char string whose UTF-8 bytes are the key.
    const raw = generateRandomString(32);
    const identifier = `2fa-${generateRandomString(20)}`;
    rows.push({
      userId: generateRandomString(32),
      email: `peer-${run}-${i}@bench.test`,
      secret: Secret.fromUTF8(raw).base32,
      encryptedSecret: await symmetricEncrypt({ key: PEER_SECRET, data: raw }),
      encryptedBackupCodes: await symmetricEncrypt({ key: PEER_SECRET, data: JSON.stringify(backupCodes()) }),
      identifier,
      cookie: await signedCookie(identifier),
    });
  }

  const now = new Date();
  const iso = now.toISOString();
  const expires = new Date(now.getTime() + pendingTtlMs).toISOString();
  const insertUser = db.prepare(
    'INSERT INTO user (id, name, email, emailVerified, image, createdAt, updatedAt, twoFactorEnabled) VALUES (?, ?, ?, 0, NULL, ?, ?, 1)',
  );
  const insertAccount = db.prepare(
    "INSERT INTO account (id, accountId, providerId, userId, password, createdAt, updatedAt) VALUES (?, ?, 'credential', ?, ?, ?, ?)",
  );
  const insertTwoFactor = db.prepare(
    'INSERT INTO twoFactor (id, secret, backupCodes, userId, verified, failedVerificationCount, lockedUntil) VALUES (?, ?, ?, ?, 1, ?, NULL)',
  );
  const insertVerification = db.prepare(
    'INSERT INTO verification (id, identifier, value, expiresAt, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const r of rows) {
      insertUser.run(r.userId, 'bench user', r.email, iso, iso);
      insertAccount.run(generateRandomString(32), r.userId, r.userId, hash, iso, iso);
      insertTwoFactor.run(generateRandomString(32), r.encryptedSecret, r.encryptedBackupCodes, r.userId, template.failedVerificationCount);
      if (pendingVia === 'db') {
        insertVerification.run(generateRandomString(32), r.identifier, r.userId, expires, iso, iso);
        insertVerification.run(generateRandomString(32), `2fa-attempts-${r.identifier}`, '0', expires, iso, iso);
      }
    }
  })();
  db.close();

  const pending =
    pendingVia === 'db'
      ? rows.map(({ cookie, secret }) => ({ cookie, secret }))
      : await mapLimit(rows, CONCURRENCY, async ({ email, secret }) => ({ cookie: await signInPending(url, email), secret }));

  // better-auth refuses cookie-carrying POSTs without a trusted Origin (its CSRF check).
  const verifyRequest = (entry: PendingSignIn): PeerVerifyRequest => ({
    ...entry,
    url,
    path: '/api/auth/two-factor/verify-totp',
    body: (code) => JSON.stringify({ code }),
    headers: { origin: url },
  });
  return { pending, verifyRequest };
}
