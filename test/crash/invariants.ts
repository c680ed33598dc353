import type SQLite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { factorSecretContext } from '../../src/core/factors/factor-secret.js';
import { normalizeRecoveryCode } from '../../src/core/factors/recovery-codes.js';
import type { Keyring } from '../../src/crypto/keyring.js';
import { type OpenDatabase, pendingMigrations } from '../../src/store/open-database.js';
import type { Database } from '../../src/store/schema.js';
import type { Account } from './journeys.js';

/** What broke, by invariant; an invariant that holds has no entry. */
export type Violations = Record<string, string[]>;

export const invariantNames = {
  integrity: "the database's own integrity check passes",
  schema: 'the schema is intact and fully migrated',
  factors: 'no factor is active without a completed enrollment',
  recoveryCodes: 'no recovery code is both used and usable',
  sessions: 'no session is half-written',
  enrollments: 'every started enrollment is complete or absent',
  answers: 'what the server answered before the kill is still true after it',
} as const;

/** Tables, columns and indexes as the database describes them, to compare before and after a crash. */
export async function describeSchema(database: OpenDatabase): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const sqlite = database.driver as SQLite.Database;
    return (
      sqlite
        .prepare("select type, name, coalesce(sql, '') as sql from sqlite_master where name not like 'sqlite_%' order by name")
        .all() as { type: string; name: string; sql: string }[]
    ).map((row) => `${row.type} ${row.name}: ${row.sql}`);
  }
  const columns = await sql<{ line: string }>`
    select table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as line
    from information_schema.columns where table_schema = current_schema() order by table_name, column_name`.execute(database.db);
  const indexes = await sql<{ line: string }>`
    select indexname || ': ' || indexdef as line from pg_indexes where schemaname = current_schema() order by indexname`.execute(
    database.db,
  );
  const constraints = await sql<{ line: string }>`
    select conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) as line
    from pg_constraint where connamespace = current_schema()::regnamespace order by 1`.execute(database.db);
  return [...columns.rows, ...indexes.rows, ...constraints.rows].map((row) => row.line);
}

async function integrity(database: OpenDatabase): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const sqlite = database.driver as SQLite.Database;
    const problems: string[] = [];
    const checked = sqlite.pragma('integrity_check') as { integrity_check: string }[];
    if (checked.length !== 1 || checked[0]!.integrity_check !== 'ok')
      problems.push(`integrity_check: ${JSON.stringify(checked)}`);
    const orphans = sqlite.pragma('foreign_key_check') as unknown[];
    if (orphans.length > 0) problems.push(`foreign_key_check: ${JSON.stringify(orphans.slice(0, 5))}`);
    return problems;
  }
  // PostgreSQL keeps its constraints itself; the check is that each still holds and nothing was left invalid.
  const problems: string[] = [];
  const foreignKeys = await sql<{
    child: string;
    parent: string;
    name: string;
    child_columns: string[];
    parent_columns: string[];
  }>`
    select c.conname as name, c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
      array(select attname from unnest(c.conkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i)::text[] as child_columns,
      array(select attname from unnest(c.confkey) with ordinality k(n, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n order by k.i)::text[] as parent_columns
    from pg_constraint c where c.contype = 'f' and c.connamespace = current_schema()::regnamespace`.execute(database.db);
  if (foreignKeys.rows.length === 0) problems.push('no foreign keys found');
  for (const key of foreignKeys.rows) {
    const joined = key.child_columns.map((column, index) => sql`p.${sql.ref(key.parent_columns[index]!)} = c.${sql.ref(column)}`);
    const present = key.child_columns.map((column) => sql`c.${sql.ref(column)} is not null`);
    const orphans = await sql<{ count: number }>`
      select count(*)::int as count from ${sql.table(key.child)} c
      where ${sql.join(present, sql` and `)}
        and not exists (select 1 from ${sql.table(key.parent)} p where ${sql.join(joined, sql` and `)})`.execute(database.db);
    if (orphans.rows[0]!.count > 0)
      problems.push(`${key.name}: ${orphans.rows[0]!.count} ${key.child} rows without their ${key.parent}`);
  }
  const invalid = await sql<{ name: string }>`
    select conname as name from pg_constraint where connamespace = current_schema()::regnamespace and not convalidated
    union all
    select indexrelid::regclass::text from pg_index i join pg_class t on t.oid = i.indrelid
    where t.relnamespace = current_schema()::regnamespace and not (i.indisvalid and i.indisready and i.indislive)`.execute(
    database.db,
  );
  for (const row of invalid.rows) problems.push(`not valid: ${row.name}`);
  return problems;
}

const parsed = (json: string | null): Record<string, unknown> => (json ? (JSON.parse(json) as Record<string, unknown>) : {});

/**
 * Checks every invariant against the database as the crash left it (before anything repairs
 * it), and against what `accounts` were told before the kill.
 */
export async function checkInvariants(
  database: OpenDatabase,
  keyring: Keyring,
  accounts: Account[],
  expected: { schema: string[]; recoveryCodesPerSet: number },
): Promise<Violations> {
  const violations: Violations = {};
  const report = (name: keyof typeof invariantNames, problem: string) => (violations[invariantNames[name]] ??= []).push(problem);
  const { db } = database;

  for (const problem of await integrity(database)) report('integrity', problem);
  const schema = await describeSchema(database);
  for (const line of expected.schema.filter((line) => !schema.includes(line))) report('schema', `missing: ${line}`);
  for (const line of schema.filter((line) => !expected.schema.includes(line))) report('schema', `unexpected: ${line}`);
  for (const name of await pendingMigrations(database)) report('schema', `migration not applied: ${name}`);

  // One snapshot: on PostgreSQL a commit the killed server sent just before dying may land between two reads.
  const read = (trx: Kysely<Database>) =>
    Promise.all([
      trx.selectFrom('users').select(['id', 'email', 'mfa_setup_required']).execute(),
      trx.selectFrom('factors').selectAll().execute(),
      trx.selectFrom('webauthn_credentials').select('factor_id').execute(),
      trx.selectFrom('recovery_codes').selectAll().execute(),
      trx.selectFrom('sessions').selectAll().execute(),
      trx.selectFrom('security_events').select(['type', 'user_id', 'at', 'detail']).execute(),
      trx.selectFrom('security_notices').select(['type', 'user_id', 'detail']).execute(),
      trx
        .selectFrom('oob_challenges')
        .select(['user_id', 'purpose'])
        .where('purpose', 'in', ['enroll_email', 'enroll_phone'])
        .execute(),
    ]);
  const snapshot = db.transaction();
  const [users, factors, credentials, codes, sessions, events, notices, enrollmentCodes] = await (
    database.dialect === 'postgres' ? snapshot.setIsolationLevel('repeatable read') : snapshot
  ).execute(read);
  const byUser = <Row extends { user_id: string | null }>(rows: Row[]) => {
    const grouped = new Map<string, Row[]>();
    for (const row of rows) if (row.user_id !== null) grouped.set(row.user_id, [...(grouped.get(row.user_id) ?? []), row]);
    return grouped;
  };
  const factorsOf = byUser(factors);
  const codesOf = byUser(codes);
  const eventsOf = byUser(events);
  const keyIds = keyring.keyIds();
  const underKnownKey = (value: string) => keyIds.some((id) => value.startsWith(`${id}:`));

  // Factors: each the end of an enrollment that finished — sealed secret, credential, recovery codes, event and notice.
  const addedEvents = new Set(
    events.filter((event) => event.type === 'factor_added').map((event) => parsed(event.detail).factorId),
  );
  const addedNotices = new Set(
    notices.filter((notice) => notice.type === 'factor_added').map((notice) => parsed(notice.detail).factorId),
  );
  const withCredential = new Set(credentials.map((credential) => credential.factor_id));
  for (const factor of factors) {
    const name = `factor ${factor.id} (${factor.kind}) of ${factor.user_id}`;
    if (keyring.open(factor.secret_sealed, factorSecretContext({ userId: factor.user_id, id: factor.id })) === undefined)
      report('factors', `${name}: no configured key opens its secret`);
    if (!underKnownKey(factor.secret_fingerprint)) report('factors', `${name}: fingerprint under an unknown key`);
    if ((factor.kind === 'security_key' || factor.kind === 'biometric') !== withCredential.has(factor.id))
      report('factors', `${name}: credential row ${withCredential.has(factor.id) ? 'without a key factor' : 'missing'}`);
    if (!addedEvents.has(factor.id)) report('factors', `${name}: no factor_added event`);
    if (!addedNotices.has(factor.id)) report('factors', `${name}: the person was never told (no factor_added notice)`);
  }
  for (const user of users) {
    const own = factorsOf.get(user.id) ?? [];
    if (own.length === 0) continue;
    if (own.filter((factor) => factor.is_primary === 1).length !== 1)
      report('factors', `${user.email}: ${own.filter((factor) => factor.is_primary === 1).length} primary factors`);
    if (!(eventsOf.get(user.id) ?? []).some((event) => event.type === 'mfa_enabled'))
      report('factors', `${user.email}: factors without an mfa_enabled event`);
    if (user.mfa_setup_required === 1) report('factors', `${user.email}: has a factor but is still asked to set one up`);
    if (sessions.some((session) => session.user_id === user.id && session.enrollment_only === 1))
      report('factors', `${user.email}: has a factor but a session still reaches only setting up`);
  }

  // Recovery codes: one whole set per person with a factor, none without; each code used or not, in one row.
  for (const user of users) {
    const own = codesOf.get(user.id) ?? [];
    const hasFactors = (factorsOf.get(user.id) ?? []).length > 0;
    if (!hasFactors && own.length > 0) report('recoveryCodes', `${user.email}: ${own.length} codes without any factor`);
    if (hasFactors && own.length !== expected.recoveryCodesPerSet)
      report('recoveryCodes', `${user.email}: ${own.length} codes, not one set of ${expected.recoveryCodesPerSet}`);
    if (new Set(own.map((code) => code.created_at)).size > 1)
      report('recoveryCodes', `${user.email}: codes of ${new Set(own.map((code) => code.created_at)).size} sets mixed`);
    if (new Set(own.map((code) => code.code_hash)).size !== own.length) report('recoveryCodes', `${user.email}: a code twice`);
    for (const code of own) {
      if (!underKnownKey(code.code_hash)) report('recoveryCodes', `${user.email}: a code hashed under an unknown key`);
      if (code.used_at !== null && code.used_at < code.created_at) report('recoveryCodes', `${user.email}: used before made`);
    }
  }

  // Sessions: whole rows that a completed sign-in made, with its event.
  const signIns = new Set(events.filter((event) => event.type === 'sign_in').map((event) => `${event.user_id}@${event.at}`));
  for (const session of sessions) {
    const name = `session ${session.id} of ${session.user_id}`;
    let amr: unknown;
    try {
      amr = JSON.parse(session.amr);
    } catch {
      amr = undefined;
    }
    if (!Array.isArray(amr) || amr.length === 0) report('sessions', `${name}: amr ${session.amr}`);
    if (session.aal !== 1 && session.aal !== 2) report('sessions', `${name}: aal ${session.aal}`);
    if (session.aal === 2 && session.mfa_at === null && !(Array.isArray(amr) && amr.includes('trusted_device')))
      report('sessions', `${name}: aal 2 without a second factor`);
    if (session.aal === 1 && session.mfa_at !== null) report('sessions', `${name}: a second factor at aal 1`);
    if (!underKnownKey(session.token_hash)) report('sessions', `${name}: token hashed under an unknown key`);
    if (!(session.created_at <= session.last_seen_at && session.created_at < session.expires_at))
      report('sessions', `${name}: times out of order`);
    if (!signIns.has(`${session.user_id}@${session.created_at}`)) report('sessions', `${name}: no sign_in event`);
  }

  // Enrollments: a method is there with everything it comes with, or not at all; its code cannot set it up twice.
  for (const factor of factors) {
    const purpose = factor.kind === 'email' ? 'enroll_email' : factor.kind === 'phone' ? 'enroll_phone' : undefined;
    if (purpose && enrollmentCodes.some((code) => code.user_id === factor.user_id && code.purpose === purpose))
      report('enrollments', `factor ${factor.id}: its enrollment code is still unspent`);
  }

  // What each account was told.
  const usersByEmail = new Map(users.map((user) => [user.email, user]));
  const hashes = (code: string) => keyring.candidates(`recovery:${normalizeRecoveryCode(code)}`);
  for (const account of accounts) {
    const user = usersByEmail.get(account.email);
    const told = (step: string) => account.done.includes(step);
    if (!user) {
      if (told('sign-up')) report('answers', `${account.email}: signed up, but the account is gone`);
      continue;
    }
    const own = factorsOf.get(user.id) ?? [];
    const stored = new Map((codesOf.get(user.id) ?? []).map((code) => [code.code_hash, code]));
    const find = (code: string) =>
      hashes(code)
        .map((hash) => stored.get(hash))
        .find(Boolean);
    if (account.factorId && !own.some((factor) => factor.id === account.factorId))
      report('answers', `${account.email}: the factor it was told was added is gone`);
    if (!account.factorId && account.interrupted !== 'enroll-confirm' && own.length > 0)
      report('enrollments', `${account.email}: a factor though no enrollment was confirmed`);
    if (account.interrupted === 'enroll-confirm' && own.length > 1)
      report('enrollments', `${account.email}: ${own.length} factors from one enrollment`);
    for (const code of account.used) {
      const row = find(code);
      if (row && row.used_at === null)
        report('recoveryCodes', `${account.email}: a code accepted before the kill is usable again`);
      if (!row && !account.replaced.flat().includes(code) && !account.regenerationUnknown?.includes(code))
        report('answers', `${account.email}: a used code of the current set is gone`);
    }
    for (const code of account.replaced.flat()) {
      if (find(code)) report('recoveryCodes', `${account.email}: a code from a replaced set still exists`);
    }
    for (const code of account.codes) {
      if (!find(code)) report('answers', `${account.email}: a code of the set it was given is gone`);
    }
    if (account.regenerationUnknown) {
      const kept = account.regenerationUnknown.filter((code) => find(code)).length;
      if (kept !== 0 && kept !== account.regenerationUnknown.length)
        report(
          'recoveryCodes',
          `${account.email}: ${kept} of ${account.regenerationUnknown.length} old codes left by a regeneration`,
        );
    }
    for (const session of account.sessions) {
      const row = sessions.find((candidate) => keyring.candidates(session.token).includes(candidate.token_hash));
      if (session.live && !row) report('answers', `${account.email}: a session it was given is gone`);
      if (!session.live && row) report('answers', `${account.email}: a session it signed out of is back`);
    }
  }
  return violations;
}
