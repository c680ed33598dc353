import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Factor, RequestOrigin, User } from '../ports.js';
import { registerVerifiedPhone } from './phone-codes.js';
import { insertAccount, normalizeEmail } from './sign-up.js';

/** A person as the app describes them: its own id, their address, and a phone number it has verified. */
export interface HostPerson {
  externalId: string;
  email: string;
  /** The app confirmed the address itself, so Tessera does not ask again. */
  emailVerified?: boolean;
  /** A number the app verified, which becomes one of the person's sign-in methods. */
  verifiedPhone?: string;
}

export interface HostPersonView {
  user: User;
  created: boolean;
  methods: Factor['kind'][];
  /** The recovery codes, when the app's verified number became the person's first method: to show them once. */
  recoveryCodes: string[] | null;
}

/**
 * Creates or updates the Tessera account of an app's person, linked by the app's own id. A new
 * account has an unusable random password: the app keeps its own login, and the person reaches
 * Tessera only through the app's prompts and links. An address already registered directly at
 * Tessera is not taken over; a changed address is taken only as verified by the app.
 */
export async function upsertHostPerson(deps: CoreDeps, input: HostPerson & RequestOrigin): Promise<HostPersonView> {
  const email = normalizeEmail(input.email);
  const linked = await deps.store.hostPeople.findUserId(input.externalId);
  let user = linked ? await deps.store.users.findById(linked) : undefined;
  const created = !user;
  if (!user) {
    const password = deps.random.bytes(32).toString('base64url');
    user = await insertAccount(deps, {
      email,
      passwordHash: await deps.passwords.hash(password),
      emailVerified: input.emailVerified ?? false,
      ip: input.ip,
      userAgent: input.userAgent,
    }).catch((error: unknown) => {
      if (error instanceof TesseraError && error.code === 'ERR_EMAIL_TAKEN') {
        throw new TesseraError('ERR_EMAIL_TAKEN', 'This address belongs to a Tessera account the app did not register.');
      }
      throw error;
    });
    await deps.store.hostPeople.link(input.externalId, user.id, deps.clock.now());
  } else if (user.email !== email) {
    if (!input.emailVerified) {
      throw new TesseraError(
        'ERR_INVALID_INPUT',
        'A new address is taken only as verified by the app: send emailVerified: true.',
      );
    }
    if (!(await deps.store.users.changeEmail(user.id, email, deps.clock.now()))) {
      throw new TesseraError('ERR_EMAIL_TAKEN', 'Another account has this address.');
    }
    user = { ...user, email, emailVerifiedAt: deps.clock.now() };
  } else if (input.emailVerified && user.emailVerifiedAt === null) {
    await deps.store.users.markEmailVerified(user.id, deps.clock.now());
    user = { ...user, emailVerifiedAt: deps.clock.now() };
  }
  const factors = await deps.store.factors.listForUser(user.id);
  let recoveryCodes: string[] | null = null;
  if (input.verifiedPhone) {
    const phones = factors.filter((factor) => factor.kind === 'phone');
    const added = await registerVerifiedPhone(deps, {
      email,
      number: input.verifiedPhone,
      ip: input.ip,
      userAgent: input.userAgent,
    }).catch((error: unknown) => {
      // The number is one of the person's methods already: the upsert changes nothing there.
      if (error instanceof TesseraError && error.code === 'ERR_ALREADY_ENROLLED' && phones.length > 0) return undefined;
      throw error;
    });
    if (added) {
      factors.push(added.factor);
      recoveryCodes = added.recoveryCodes;
    }
  }
  return { user, created, methods: [...new Set(factors.map((factor) => factor.kind))], recoveryCodes };
}

/** The account an app's person is linked to; an id the app never registered is refused. */
export async function hostPersonAccount(deps: CoreDeps, externalId: string): Promise<User> {
  const userId = await deps.store.hostPeople.findUserId(externalId);
  const user = userId && (await deps.store.users.findById(userId));
  if (!user) throw new TesseraError('ERR_NOT_FOUND', 'The app has not registered this person: create them first.');
  return user;
}
