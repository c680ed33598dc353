import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { TesseraConfig } from './config.js';
import { TesseraError } from './core/errors.js';
import { adminResetMfa, adminRevokeSessions, adminUnlock, type Operator } from './core/flows/admin-actions.js';
import { listPeople } from './core/flows/admin-scope.js';
import { issueOperatorCode } from './core/flows/operator-codes.js';
import { normalizeEmail } from './core/flows/sign-up.js';
import { createServer, type TesseraServer } from './server.js';

export const userUsage = `  user list [--json]             People with their two-step verification methods
  user show --email E [--json]   One person: methods, sessions, lock, recent events
  user reset-mfa --email E       Remove every method; setting up again at the next
                                 sign-in needs the password and an emailed code
  user unlock --email E          End a lock after too many wrong codes
  user revoke-sessions --email E Sign the person out everywhere, forget devices
  operator-code issue --email E [--json]
                                 After checking a caller: a one-time code for the
                                 second step of their sign-in, shown once
  (every action takes --operator NAME, recorded on the person's events;
   default: the system user)
`;

type Print = (text: string) => void;

/** `tessera user …` and `tessera operator-code issue`: break-glass actions on one person, for scripts and support. */
export async function runUserCommand(config: TesseraConfig, command: string, args: string[], print: Print): Promise<number> {
  const [verb = '', ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { email: { type: 'string' }, operator: { type: 'string' }, json: { type: 'boolean' } },
  });
  const operator: Operator = { name: values.operator ?? `cli:${userInfo().username}`, ip: 'cli' };
  const server = await createServer(config, { warn: () => undefined, manualSweeps: true });
  try {
    const action = actions[`${command} ${verb}`];
    if (!action) {
      print(`Unknown command: ${command} ${args.join(' ')}\n\n${userUsage}`);
      return 2;
    }
    await action(server, { email: values.email, operator, json: values.json ?? false, print });
    return 0;
  } finally {
    await server.close();
  }
}

interface ActionInput {
  email: string | undefined;
  operator: Operator;
  json: boolean;
  print: Print;
}

async function personOf(server: TesseraServer, email: string | undefined) {
  const user = email && (await server.deps.store.users.findByEmail(normalizeEmail(email)));
  if (!user) throw new TesseraError('ERR_NOT_FOUND', `There is no account with the address ${email ?? '(give --email)'}.`);
  return user;
}

const actions: Record<string, (server: TesseraServer, input: ActionInput) => Promise<void>> = {
  async 'user list'(server, { json, print }) {
    const everyone = await listPeople(server.deps, { instance: true, orgIds: [] }, '', Number.POSITIVE_INFINITY);
    const rows = everyone.map(({ user, methods }) => ({ id: user.id, email: user.email, mfa: methods.length > 0, methods }));
    print(
      json
        ? JSON.stringify(rows)
        : rows.map((row) => `${row.email}\t${row.mfa ? row.methods.join(',') : 'no two-step verification'}`).join('\n'),
    );
  },

  async 'user show'(server, { email, json, print }) {
    const user = await personOf(server, email);
    const { deps } = server;
    const now = deps.clock.now();
    const shown = {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerifiedAt !== null,
      factors: (await deps.store.factors.listForUser(user.id)).map(({ id, kind, label, createdAt, lastUsedAt }) => ({
        id,
        kind,
        label,
        createdAt,
        lastUsedAt,
      })),
      sessions: (await deps.store.sessions.listForUser(user.id, now)).length,
      lockedUntil: Math.max(0, await deps.store.lockout.lockedUntil(user.id)) || null,
      events: (await deps.store.events.listForUser(user.id, 10)).map(({ type, at, ip, outcome }) => ({ type, at, ip, outcome })),
    };
    print(
      json
        ? JSON.stringify(shown)
        : [
            `${shown.email} (id ${shown.id})${shown.emailVerified ? '' : ', address not confirmed'}`,
            `methods: ${shown.factors.map((factor) => `${factor.kind} "${factor.label}"`).join(', ') || 'none'}`,
            `open sessions: ${shown.sessions}${shown.lockedUntil && shown.lockedUntil > now ? `; locked until ${new Date(shown.lockedUntil).toISOString()}` : ''}`,
            ...shown.events.map((event) => `  ${new Date(event.at).toISOString()} ${event.type} ${event.outcome} ${event.ip}`),
          ].join('\n'),
    );
  },

  async 'user reset-mfa'(server, { email, operator, json, print }) {
    const user = await personOf(server, email);
    await adminResetMfa(server.deps, user, operator);
    print(
      json
        ? JSON.stringify({ id: user.id, reset: true })
        : `Two-step verification of ${user.email} was reset; they set it up again at their next sign-in.`,
    );
  },

  async 'user unlock'(server, { email, operator, json, print }) {
    const user = await personOf(server, email);
    await adminUnlock(server.deps, user, operator);
    print(json ? JSON.stringify({ id: user.id, unlocked: true }) : `${user.email} is unlocked.`);
  },

  async 'user revoke-sessions'(server, { email, operator, json, print }) {
    const user = await personOf(server, email);
    const ended = await adminRevokeSessions(server.deps, user, operator);
    print(
      json
        ? JSON.stringify({ id: user.id, ...ended })
        : `${user.email}: ${ended.sessions} sessions ended, ${ended.devices} trusted devices forgotten.`,
    );
  },

  async 'operator-code issue'(server, { email, operator, json, print }) {
    const user = await personOf(server, email);
    const { code, expiresAt } = await issueOperatorCode(server.deps, { user, operator: operator.name, ip: operator.ip });
    print(
      json
        ? JSON.stringify({ code, expiresAt })
        : `One-time code for ${user.email}: ${code}\nRead it to them once; it works at the second step of one sign-in until ${new Date(expiresAt).toISOString()}.`,
    );
  },
};
