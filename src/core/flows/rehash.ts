import type { CoreDeps } from '../deps.js';

/**
 * A token found under an older server key is hashed again under the current one, so that once
 * every live session and device has been used, the old key can leave the configuration.
 */
export async function rehashIfOld(
  deps: CoreDeps,
  token: string,
  row: { id: string; tokenHash: string },
  repository: { rehash(id: string, tokenHash: string): Promise<void> },
): Promise<void> {
  const current = deps.keyedHash.hash(token);
  if (row.tokenHash === current) return;
  await repository.rehash(row.id, current);
  row.tokenHash = current;
}
