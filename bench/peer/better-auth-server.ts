// Standalone better-auth (email+password, TOTP two-factor) server: the peer measured next to Tessera.
// Usage (from /work/main): npx tsx bench/peer/better-auth-server.ts --db <sqlite file> --port <port>
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { openPeerDatabase, peerAuthOptions } from './auth-options.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, port: { type: 'string' } } });
if (!values.db || !values.port) {
  console.error('usage: better-auth-server.ts --db <sqlite file> --port <port>');
  process.exit(2);
}
const port = Number(values.port);
const db = openPeerDatabase(values.db);
const options = peerAuthOptions(db, port);

const { runMigrations } = await getMigrations(options);
await runMigrations();

const auth = betterAuth(options);
const server = createServer(toNodeHandler(auth));
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${port}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
  process.exit(0);
});
