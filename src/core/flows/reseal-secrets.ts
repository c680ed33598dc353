import type { CoreDeps } from '../deps.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import type { KeyUsageRepository, SealedRow } from '../ports.js';
import { signingKeyContext } from '../signing-key-context.js';

/** What one pass of `resealSecrets` found and did, by kind of secret. */
export interface ResealProgress {
  kind: 'factor' | 'signing_key';
  /** Rows looked at so far. */
  seen: number;
  /** Sealed again under the current key. */
  resealed: number;
  /** No configured key opens them: their key was removed too early, or the value was altered. */
  unreadable: number;
}

const contextOf = (kind: ResealProgress['kind'], row: SealedRow) =>
  kind === 'factor' ? factorSecretContext({ userId: row.owner, id: row.id }) : signingKeyContext(row.id);

/**
 * Seals every factor secret and signing key again under the current server key, `batchSize`
 * rows at a time, while the service runs: each row is replaced only if it did not change
 * meanwhile, and rows already under the current key are skipped, so an interrupted run is
 * resumed by running it again. `onBatch` hears the running totals after each batch.
 */
export async function resealSecrets(
  deps: CoreDeps,
  options: { batchSize?: number; onBatch?: (progress: ResealProgress) => void } = {},
): Promise<ResealProgress[]> {
  const batchSize = options.batchSize ?? 500;
  const totals: ResealProgress[] = [];
  for (const kind of ['factor', 'signing_key'] as const) {
    const progress: ResealProgress = { kind, seen: 0, resealed: 0, unreadable: 0 };
    for (let after = ''; ;) {
      const batch = await deps.store.keys.sealedBatch(kind, after, batchSize);
      if (batch.length === 0) break;
      for (const row of batch) await resealRow(deps, deps.store.keys, kind, row, progress);
      progress.seen += batch.length;
      after = batch[batch.length - 1]!.id;
      options.onBatch?.({ ...progress });
    }
    totals.push(progress);
  }
  return totals;
}

async function resealRow(
  deps: CoreDeps,
  keys: KeyUsageRepository,
  kind: ResealProgress['kind'],
  row: SealedRow,
  progress: ResealProgress,
): Promise<void> {
  if (deps.secretBox.sealedWithCurrentKey(row.sealed)) return;
  const context = contextOf(kind, row);
  const plaintext = deps.secretBox.open(row.sealed, context);
  if (plaintext === undefined) {
    progress.unreadable += 1;
    return;
  }
  // A row changed meanwhile was written under the current key by whoever changed it.
  if (await keys.reseal(kind, row.id, row.sealed, deps.secretBox.seal(plaintext, context))) progress.resealed += 1;
}
