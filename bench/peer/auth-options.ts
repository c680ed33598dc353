import Database from 'better-sqlite3';
import type { BetterAuthOptions } from 'better-auth';
import { twoFactor } from 'better-auth/plugins/two-factor';

/** Fixed so that seed.ts can encrypt TOTP secrets exactly as the server would. */
export const PEER_SECRET = 'tessera-bench-peer-secret-0123456789abcdef';

/** Same pragmas Tessera applies to its own SQLite file (src/store/open-database.ts). */
export function openPeerDatabase(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

export function peerAuthOptions(db: Database.Database, port: number) {
  return {
    database: db,
    secret: PEER_SECRET,
    baseURL: `http://127.0.0.1:${port}`,
    emailAndPassword: { enabled: true },
    plugins: [twoFactor({ issuer: 'Peer' })],
    // Tessera's per-IP limit is raised for the load generator; this is the equivalent.
    rateLimit: { enabled: false },
    telemetry: { enabled: false },
  } satisfies BetterAuthOptions;
}
