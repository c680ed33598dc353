import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import type pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { TesseraConfig } from '../config.js';
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
  /** Resolves when the database answers a query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens `sqlite:<path>` (WAL mode, foreign keys on) or `postgres://…`. For PostgreSQL a schema
 * name isolates Tessera's tables, which is how tests get a fresh database per run. Only the
 * driver in use is loaded.
 */
export async function openDatabase(
  url: string,
  options: { schema?: string; pool?: { max: number; idleTimeoutMillis: number; connectionTimeoutMillis: number } } = {},
): Promise<OpenDatabase> {
  if (url.startsWith('sqlite:')) {
    const { default: SQLiteDatabase } = await import('better-sqlite3');
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const sqlite = new SQLiteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    // In WAL mode NORMAL syncs at checkpoints instead of at every commit: the database stays
    // consistent, and a power cut can lose at most the last commits, not corrupt anything.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return {
      db,
      dialect: 'sqlite',
      driver: sqlite,
      ping: async () => void sqlite.prepare('select 1').get(),
      close: () => db.destroy(),
    };
  }
  const { default: postgres } = await import('pg');
  // int8 columns hold epoch milliseconds, which fit a JavaScript number exactly.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === postgres.types.builtins.INT8
        ? Number
        : postgres.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
  };
  const pool = new postgres.Pool({
    connectionString: url,
    types,
    ...options.pool,
    ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    driver: pool,
    schema: options.schema,
    ping: async () => void (await pool.query('select 1')),
    close: () => db.destroy(),
  };
}

/** The configured database, with the configured PostgreSQL pool. */
export function openConfiguredDatabase(config: Pick<TesseraConfig, 'database'>, schema?: string): Promise<OpenDatabase> {
  const { url, poolMax, poolIdleTimeoutMs, poolConnectionTimeoutMs } = config.database;
  return openDatabase(url, {
    schema,
    pool: { max: poolMax, idleTimeoutMillis: poolIdleTimeoutMs, connectionTimeoutMillis: poolConnectionTimeoutMs },
  });
}

/**
 * Kysely prepares every query afresh; preparing is a large share of a small query's cost, and
 * Tessera's queries come from a fixed set, so each SQL text is prepared once and reused.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

const migratorOf = (database: OpenDatabase) =>
  new Migrator({
    db: database.db,
    provider: migrationProvider,
    // Kysely looks for its bookkeeping tables in every schema; name ours, so another schema's do not count.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });

/** The migrations this version has that the database has not run yet. */
export async function pendingMigrations(database: OpenDatabase): Promise<string[]> {
  return (await migratorOf(database).getMigrations())
    .filter((migration) => !migration.executedAt)
    .map((migration) => migration.name);
}

/** Brings the schema up to date; safe to run at every start. */
export async function migrateToLatest(database: OpenDatabase): Promise<string[]> {
  const { error, results } = await migratorOf(database).migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
