import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** An open database with what the rate limiter needs of the underlying driver. */
export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The raw driver handle (better-sqlite3 Database or pg Pool) for rate-limiter-flexible. */
  driver: SQLite.Database | pg.Pool;
  /** PostgreSQL schema holding Tessera's tables; undefined on SQLite. */
  schema?: string;
  close(): Promise<void>;
}

/** int8 columns hold epoch milliseconds, which fit a JavaScript number exactly. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Opens `sqlite:<path>` (WAL mode, foreign keys on) or `postgres://…`. For PostgreSQL a schema
 * name isolates Tessera's tables, which is how tests get a fresh database per run.
 */
export function openDatabase(url: string, options: { schema?: string } = {}): OpenDatabase {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
    return { db, dialect: 'sqlite', driver: sqlite, close: () => db.destroy() };
  }
  const pool = new pg.Pool({
    connectionString: url,
    types: pgTypes,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', driver: pool, schema: options.schema, close: () => db.destroy() };
}

/** Brings the schema up to date; safe to run at every start. */
export async function migrateToLatest(database: OpenDatabase): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
