import { randomBytes, randomUUID } from 'node:crypto';

export interface TeamMember {
  id: string;
  name: string;
  email: string;
}

export interface ApiKey {
  id: string;
  name: string;
  /** The first characters, to recognise a key after it was shown once. */
  prefix: string;
  createdAt: Date;
  invalidatedAt: Date | null;
}

export interface Withdrawal {
  id: string;
  pence: number;
  toAccount: string;
  at: Date;
}

/** One person's coaching-and-investing account: their team, their API keys, their money. */
export interface Account {
  team: TeamMember[];
  apiKeys: ApiKey[];
  balancePence: number;
  bankAccount: string;
  withdrawals: Withdrawal[];
}

/** A change asked for and waiting for Tessera's approval; nothing happens until it is approved. */
export type PendingChange =
  | { id: string; sub: string; kind: 'team.add_member'; member: TeamMember }
  | { id: string; sub: string; kind: 'team.remove_member'; member: TeamMember }
  | { id: string; sub: string; kind: 'api_key.invalidate'; key: ApiKey }
  | { id: string; sub: string; kind: 'funds.withdraw'; pence: number; toAccount: string };

/** A change as proposed, before it has an id. */
type Proposal = PendingChange extends infer Change ? (Change extends PendingChange ? Omit<Change, 'id'> : never) : never;

const pounds = (pence: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' }).format(pence / 100);

/** What the person approves, word for word as Tessera shows it and binds the approval to. */
export function describeChange(change: PendingChange): string {
  switch (change.kind) {
    case 'team.add_member':
      return `Add ${change.member.name} (${change.member.email}) to your team`;
    case 'team.remove_member':
      return `Remove ${change.member.name} (${change.member.email}) from your team`;
    case 'api_key.invalidate':
      return `Invalidate the API key “${change.key.name}” (${change.key.prefix}…)`;
    case 'funds.withdraw':
      return `Withdraw ${pounds(change.pence)} to account ${change.toAccount}`;
  }
}

export { pounds };

/** An amount in pounds as typed ("250", "12.50") in pence; 0 for anything else. */
export const penceOf = (amount: string) => (/^\d{1,9}(\.\d{1,2})?$/.test(amount) ? Math.round(Number(amount) * 100) : 0);

/** The demo's data, in memory: people's accounts by Tessera subject, and changes waiting for approval. */
export function createAccounts() {
  const accounts = new Map<string, Account>();
  const pending = new Map<string, PendingChange>();

  const accountOf = (sub: string): Account => {
    let account = accounts.get(sub);
    if (!account) {
      account = {
        team: [{ id: randomUUID(), name: 'Sam Okafor', email: 'sam@kestrel.example' }],
        apiKeys: [],
        balancePence: 1_250_000,
        bankAccount: '••••1234',
        withdrawals: [],
      };
      accounts.set(sub, account);
    }
    return account;
  };

  return {
    accountOf,

    /** A new API key: the whole secret is returned here, once. */
    createApiKey(sub: string, name: string): { key: ApiKey; secret: string } {
      const secret = `kst_${randomBytes(24).toString('base64url')}`;
      const key: ApiKey = { id: randomUUID(), name, prefix: secret.slice(0, 10), createdAt: new Date(), invalidatedAt: null };
      accountOf(sub).apiKeys.push(key);
      return { key, secret };
    },

    /** Records a change to approve, and returns it. */
    propose(change: Proposal): PendingChange {
      const proposed = { ...change, id: randomUUID() } as PendingChange;
      pending.set(proposed.id, proposed);
      return proposed;
    },

    /** This person's change waiting under this id and of this kind, if any. */
    pendingChange<Kind extends PendingChange['kind']>(sub: string, id: string, kind: Kind) {
      const change = pending.get(id);
      return change && change.sub === sub && change.kind === kind
        ? (change as Extract<PendingChange, { kind: Kind }>)
        : undefined;
    },

    /** Carries out an approved change, once: it is no longer pending afterwards. */
    apply(change: PendingChange): void {
      if (!pending.delete(change.id)) return;
      const account = accountOf(change.sub);
      switch (change.kind) {
        case 'team.add_member':
          account.team.push(change.member);
          break;
        case 'team.remove_member':
          account.team = account.team.filter((member) => member.id !== change.member.id);
          break;
        case 'api_key.invalidate':
          change.key.invalidatedAt = new Date();
          break;
        case 'funds.withdraw':
          account.balancePence -= change.pence;
          account.withdrawals.unshift({ id: change.id, pence: change.pence, toAccount: change.toAccount, at: new Date() });
          break;
      }
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
