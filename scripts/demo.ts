import { randomBytes } from 'node:crypto';
import { createDemoApp } from '@tessera/demo';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server.js';

/**
 * `npm run demo`: Tessera on http://localhost:4000 (its own SQLite file under data/demo, codes
 * in the outbox) and Kestrel, the demo host app, on http://127.0.0.1:4100 — another origin, so
 * they share no cookies. Kestrel's client secret and host API key are made fresh for each run.
 */
const demoPort = Number(process.env.KESTREL_PORT ?? 4100);
const appUrl = `http://127.0.0.1:${demoPort}`;
const clientSecret = randomBytes(32).toString('hex');
const hostApiKey = { id: 'kestrel', secret: randomBytes(32).toString('hex') };
const signingSecret = randomBytes(32).toString('hex');

const config = loadConfig({
  env: {
    TESSERA_DATA_DIR: 'data/demo',
    ...process.env,
    TESSERA_OIDC_CLIENTS: JSON.stringify([{ clientId: 'kestrel', clientSecret, redirectUris: [`${appUrl}/auth/callback`] }]),
    TESSERA_STEP_UP_RETURN_URLS: `${appUrl}/`,
    TESSERA_HOST_API_KEYS: `${hostApiKey.id}:${hostApiKey.secret}`,
    TESSERA_PROMPT_APPS: JSON.stringify([{ id: 'kestrel', signingSecret, returnUrls: [`${appUrl}/classic/`] }]),
  },
});
if (config.mode === 'production') throw new Error('npm run demo is for development: unset NODE_ENV=production.');

const tessera = await createServer(config, { logger: pino({ level: config.logging.level }) });
await tessera.app.listen({ host: config.server.host, port: config.server.port });
const kestrel = await createDemoApp({
  appUrl,
  tessera: {
    url: config.server.publicUrl,
    clientId: 'kestrel',
    clientSecret,
    hostApiKey: `${hostApiKey.id}.${hostApiKey.secret}`,
    allowHttp: true,
  },
  classic: { appId: 'kestrel', signingSecret, apiKey: `${hostApiKey.id}.${hostApiKey.secret}` },
});
await kestrel.listen({ host: '127.0.0.1', port: demoPort });

process.stdout.write(
  [
    '',
    `  ${config.branding.productName} is running at ${config.server.publicUrl}`,
    `    (what it would email or text is in its outbox: ${config.server.publicUrl}/dev/outbox)`,
    `  Kestrel, the demo app, is running at ${appUrl}`,
    '',
    `  Create an account at ${config.server.publicUrl}/sign-up, set up two-step verification,`,
    `  then sign in to Kestrel and withdraw some funds.`,
    '',
    '',
  ].join('\n'),
);

const stop = async () => {
  await kestrel.close();
  await tessera.close();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
