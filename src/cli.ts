import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config.js';
import { createAccount } from './core/flows/sign-up.js';
import { TesseraError } from './core/errors.js';
import { apiKeyUsage, runApiKeyCommand } from './api-key-commands.js';
import { keysUsage, runKeysCommand } from './key-commands.js';
import { oidcUsage, runOidcCommand } from './oidc-commands.js';
import { orgUsage, runOrgCommand } from './org-commands.js';
import { createServer } from './server.js';
import { runUserCommand, userUsage } from './user-commands.js';
import { runWebhookCommand, webhookUsage } from './webhook-commands.js';
import { migrateToLatest, openConfiguredDatabase } from './store/open-database.js';

const usage = `Usage: tessera <command> [options]

Commands:
  serve                          Start the server (creates and migrates the database)
  migrate                        Bring the database schema up to date and exit
  user create --email E          Create an account; the password is read from
              [--password-stdin] standard input (or TESSERA_NEW_PASSWORD)
${userUsage}${orgUsage}${keysUsage}${oidcUsage}${webhookUsage}${apiKeyUsage}  help                           Show this text

Configuration: tessera.yaml (or TESSERA_CONFIG) and TESSERA_* environment
variables; see docs/configuration.md.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage);
    return 0;
  }
  const config = loadConfig();

  if (command === 'serve') {
    const logger = pino({ level: config.logging.level });
    const server = await createServer(config, { logger });
    await server.app.listen({ host: config.server.host, port: config.server.port });
    process.stdout.write(`\n  ${config.branding.productName} is running at ${config.server.publicUrl}\n\n`);
    // Requests in flight are answered before the process ends; new ones get 503 meanwhile.
    const stop = async (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down after the requests in flight');
      await server.close();
      logger.info('shut down');
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }

  if (command === 'migrate') {
    const database = await openConfiguredDatabase(config);
    const applied = await migrateToLatest(database);
    await database.close();
    process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'The schema is up to date.\n');
    return 0;
  }

  if (command === 'user' && rest[0] === 'create') {
    const { values } = parseArgs({
      args: rest.slice(1),
      options: { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    });
    if (!values.email) {
      process.stderr.write('tessera user create: --email is required\n');
      return 2;
    }
    const password = values['password-stdin'] ? (await readStdin()).replace(/\r?\n$/, '') : process.env.TESSERA_NEW_PASSWORD;
    if (!password) {
      process.stderr.write(
        'tessera user create: give the password on standard input with --password-stdin, or in TESSERA_NEW_PASSWORD\n',
      );
      return 2;
    }
    const server = await createServer(config);
    try {
      const user = await createAccount(server.deps, { email: values.email, password, ip: 'cli' });
      process.stdout.write(`Created ${user.email} (id ${user.id})\n`);
    } finally {
      await server.close();
    }
    return 0;
  }

  if ((command === 'user' && rest[0] !== 'create') || command === 'operator-code') {
    return runUserCommand(config, command, rest, (text) => process.stdout.write(`${text}\n`));
  }
  if (command === 'org') return runOrgCommand(config, rest, (text) => process.stdout.write(`${text}\n`));
  if (command === 'keys') return runKeysCommand(config, rest, (text) => process.stdout.write(text));
  if (command === 'oidc') return runOidcCommand(config, rest, (text) => process.stdout.write(text));
  if (command === 'webhook') return runWebhookCommand(config, rest, (text) => process.stdout.write(text));
  if (command === 'api-key') return runApiKeyCommand(config, rest, (text) => process.stdout.write(text));

  process.stderr.write(`Unknown command: ${argv.join(' ')}\n\n${usage}`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof TesseraError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  },
);
