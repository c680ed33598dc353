import type { CoreDeps } from '../deps.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { clientSecretContext } from './oidc-clients.js';
import { webhookSecretContext } from './webhook-subscriptions.js';
import type { SealedRow } from '../ports.js';
import { signingKeyContext } from '../signing-key-context.js';

/** What one pass of `resealSecrets` found and did, by kind of secret. */
export interface ResealProgress {
  kind: 'factor' | 'signing_key' | 'oidc_client' | 'webhook';
  /** Rows looked at so far. */
  seen: number;
  /** Sealed again under the current key. */
  resealed: number;
  /** No configured key opens them: their key was removed too early, or the value was altered. */
  unreadable: number;
}

type RowKind = 'factor' | 'signing_key';

const contextOf = (kind: RowKind, row: SealedRow) =>
  kind === 'factor' ? factorSecretContext({ userId: row.owner, id: row.id }) : signingKeyContext(row.id);

/**
 * Seals every factor secret, signing key, OpenID Connect client secret and webhook signing
 * secret again under the current server key while the service runs, factor secrets and signing
 * keys `batchSize` rows at a time: each row is replaced only if it did not change meanwhile, and
 * rows already under the current key are skipped, so an interrupted run is resumed by running it
 * again. `onBatch` hears the running totals after each batch.
 */
export async function resealSecrets(
  deps: CoreDeps,
  options: { batchSize?: number; onBatch?: (progress: ResealProgress) => void } = {},
): Promise<ResealProgress[]> {
  const batchSize = options.batchSize ?? 500;
  const totals: ResealProgress[] = [];
  const { keys } = deps.store;
  for (const kind of ['factor', 'signing_key'] as const) {
    const progress: ResealProgress = { kind, seen: 0, resealed: 0, unreadable: 0 };
    for (let after = ''; ;) {
      const batch = await keys.sealedBatch(kind, after, batchSize);
      if (batch.length === 0) break;
      for (const row of batch) {
        // A row changed meanwhile was written under the current key by whoever changed it.
        await reseal(deps, row.sealed, contextOf(kind, row), progress, (resealed) =>
          keys.reseal(kind, row.id, row.sealed, resealed),
        );
      }
      progress.seen += batch.length;
      after = batch[batch.length - 1]!.id;
      options.onBatch?.({ ...progress });
    }
    totals.push(progress);
  }
  totals.push(await resealClientSecrets(deps));
  options.onBatch?.({ ...totals[totals.length - 1]! });
  totals.push(await resealWebhookSecrets(deps));
  options.onBatch?.({ ...totals[totals.length - 1]! });
  return totals;
}

/** The secrets of applications registered with the OpenID Connect provider, sealed inside their records. */
async function resealClientSecrets(deps: CoreDeps): Promise<ResealProgress> {
  const progress: ResealProgress = { kind: 'oidc_client', seen: 0, resealed: 0, unreadable: 0 };
  for (const { id, payload } of await deps.store.oidcPayloads.list('Client', deps.clock.now())) {
    progress.seen += 1;
    const metadata = JSON.parse(payload) as { client_secret_sealed?: string };
    if (metadata.client_secret_sealed === undefined) continue;
    await reseal(deps, metadata.client_secret_sealed, clientSecretContext(id), progress, async (resealed) => {
      const record = JSON.stringify({ ...metadata, client_secret_sealed: resealed });
      await deps.store.oidcPayloads.upsert('Client', id, { payload: record, expiresAt: null });
      return true;
    });
  }
  return progress;
}

/** The signing secrets of webhook subscriptions, few enough to take in one pass. */
async function resealWebhookSecrets(deps: CoreDeps): Promise<ResealProgress> {
  const progress: ResealProgress = { kind: 'webhook', seen: 0, resealed: 0, unreadable: 0 };
  for (const subscription of await deps.store.webhookSubscriptions.list()) {
    progress.seen += 1;
    await reseal(deps, subscription.secretSealed, webhookSecretContext(subscription.id), progress, (resealed) =>
      deps.store.webhookSubscriptions.reseal(subscription.id, subscription.secretSealed, resealed),
    );
  }
  return progress;
}

/** Opens one sealed value and has `write` store it sealed under the current key, counting what happened. */
async function reseal(
  deps: CoreDeps,
  sealed: string,
  context: string,
  progress: ResealProgress,
  write: (resealed: string) => Promise<boolean>,
): Promise<void> {
  if (deps.secretBox.sealedWithCurrentKey(sealed)) return;
  const plaintext = deps.secretBox.open(sealed, context);
  if (plaintext === undefined) {
    progress.unreadable += 1;
    return;
  }
  if (await write(deps.secretBox.seal(plaintext, context))) progress.resealed += 1;
}
