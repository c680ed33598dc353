import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { resealSecrets } from './core/flows/reseal-secrets.js';
import { createServer } from './server.js';

export const keysUsage = `  keys status [--json]           Which server key each kept value is under (secrets,
                                 sessions, devices, recovery codes): a key can
                                 leave secrets.keys once nothing needed counts it
  keys rotate [--batch N]        Seal every factor secret and signing key again under
                                 the current (first) key, N at a time (500), while
                                 the service runs; run it again to resume
  keys rotate-signing            Make a new grant signing key; the old ones stay in
                                 the JWKS and keep verifying
`;

/** `tessera keys …`: rotating the server keys and the grant signing key without downtime. */
export async function runKeysCommand(config: TesseraConfig, args: string[], print: (text: string) => void): Promise<number> {
  const [verb = '', ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' }, batch: { type: 'string' } } });
  if (!['status', 'rotate', 'rotate-signing'].includes(verb)) {
    print(`Unknown command: keys ${args.join(' ')}\n\n${keysUsage}`);
    return 2;
  }
  const batchSize = Number(values.batch ?? 500);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    print('--batch is a whole number of rows, at least 1.\n');
    return 2;
  }
  const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
  try {
    if (verb === 'status') {
      const usage = await server.deps.store.keys.keyIdsInUse(server.keyIds);
      if (values.json) print(`${JSON.stringify({ current: server.keyIds[0], usage })}\n`);
      else {
        print(`Current key: ${server.keyIds[0]}\n`);
        for (const [value, counts] of Object.entries(usage)) {
          const listed = Object.entries(counts).map(([key, rows]) => `${key} ${rows}`);
          print(`  ${value}: ${listed.join(', ')}\n`);
        }
      }
      return 0;
    }
    if (verb === 'rotate') {
      const totals = await resealSecrets(server.deps, {
        batchSize,
        onBatch: (progress) => print(`  ${progress.kind}: ${progress.seen} looked at, ${progress.resealed} sealed again\n`),
      });
      for (const total of totals) {
        print(`${total.kind}: ${total.resealed} of ${total.seen} sealed again under ${server.keyIds[0]}`);
        print(total.unreadable > 0 ? `; ${total.unreadable} no configured key opens\n` : '\n');
      }
      return totals.some((total) => total.unreadable > 0) ? 1 : 0;
    }
    const kid = await server.deps.grants.rotate();
    print(`New signing key ${kid} signs grants from now on; older keys stay published at /.well-known/jwks.json.\n`);
    return 0;
  } finally {
    await server.close();
  }
}
