import type { SsoProvider } from '../../config.js';
import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import type { Amr, RequestOrigin, SignInClient, User } from '../ports.js';
import { type AfterFirstFactor, afterFirstFactor } from './after-first-factor.js';
import { createAccount, normalizeEmail } from './sign-up.js';

/** What an upstream provider's ID token says of the person, checked by the OpenID Connect client. */
export interface ProviderClaims {
  sub: string;
  email?: string;
  emailVerified: boolean;
  /** RFC 8176 values, as the provider reported them; empty when it reported none. */
  amr: string[];
}

/** RFC 8176 values of something the person has or is, which with a password make two factors. */
const possessionOrInherence = new Set(['hwk', 'swk', 'otp', 'sms', 'tel', 'sc', 'fpt', 'face', 'iris', 'retina', 'vbm', 'pop']);

/** Whether the provider says it did multi-factor authentication: `mfa`, or two kinds of factor. */
export function providerDidMfa(amr: string[]): boolean {
  if (amr.includes('mfa')) return true;
  const knowledge = amr.includes('pwd') || amr.includes('pin') || amr.includes('kba');
  return knowledge && amr.some((value) => possessionOrInherence.has(value));
}

/**
 * The person a provider vouched for: the account linked to that identity; or the account of the
 * same address, linked now, when the provider says the address is verified; or a new account.
 * An unverified address from a provider is never trusted to find an account.
 */
async function accountFor(deps: CoreDeps, provider: SsoProvider, claims: ProviderClaims, origin: RequestOrigin): Promise<User> {
  const linked = await deps.store.federatedIdentities.findUserId(provider.id, claims.sub);
  const known = linked && (await deps.store.users.findById(linked));
  if (known) return known;
  if (!claims.email || !claims.emailVerified) {
    throw new TesseraError(
      'ERR_SSO_FAILED',
      `${provider.name} did not confirm an email address for you, so it cannot sign you in here.`,
    );
  }
  const email = normalizeEmail(claims.email);
  const now = deps.clock.now();
  let user = await deps.store.users.findByEmail(email);
  if (!user) {
    const password = deps.random.bytes(32).toString('base64url');
    user = await createAccount(deps, { email, password, ...origin });
    await deps.store.users.markEmailVerified(user.id, now);
    user = { ...user, emailVerifiedAt: now };
  }
  await deps.store.federatedIdentities.link({ provider: provider.id, subject: claims.sub, userId: user.id, createdAt: now });
  return user;
}

/**
 * Signs in someone an upstream provider vouched for. Its own MFA applies by default, so
 * Tessera asks for no second factor; with `mfa: tessera_unless_amr`, Tessera's second factor is
 * asked unless the provider's `amr` says it did MFA.
 */
export async function signInWithProvider(
  deps: CoreDeps,
  input: { provider: SsoProvider; claims: ProviderClaims } & SignInClient,
): Promise<AfterFirstFactor> {
  const origin = { ip: input.ip, userAgent: input.userAgent };
  const user = await accountFor(deps, input.provider, input.claims, origin);
  const didMfa = providerDidMfa(input.claims.amr);
  const amr: Amr[] = didMfa ? ['sso', 'mfa'] : ['sso'];
  return afterFirstFactor(deps, {
    user,
    amr,
    ...origin,
    browserToken: input.browserToken,
    deviceToken: input.deviceToken,
    mfaExempt: input.provider.mfa === 'provider' || didMfa,
    multiFactor: didMfa,
  });
}
