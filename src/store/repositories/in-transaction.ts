import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.js';

/** Runs `work` in a transaction, joining the caller's when there already is one. */
export function inTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Database>) : db.transaction().execute(work);
}
