import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { newId } from '../deps.js';
import type { SignInClient, User } from '../ports.js';
import { constantTimeEqual } from '../constant-time.js';
import { afterFirstFactor, type AfterFirstFactor } from './after-first-factor.js';
import { throttled } from './first-factor-throttle.js';
import { linkAddress, oobCodeHash, sendCode } from './send-code.js';
import { normalizeEmail } from './sign-up.js';
import { takeOobCode } from './take-oob-code.js';

const turnedOff = () => new TesseraError('ERR_NOT_FOUND', 'Signing in with an emailed link is turned off here.');
const invalid = () =>
  new TesseraError('ERR_LINK_INVALID', 'This sign-in link has expired, was already used, or was asked for in another browser.');

/**
 * Emails a link of one purpose to the confirmed address of an existing account, and answers the
 * same whether or not one was sent, so the form does not tell who has an account. A refused send
 * (a limit) is silent for the same reason.
 */
export async function sendLinkIfKnown(
  deps: CoreDeps,
  input: { email: string; ip: string; userAgent?: string; purpose: 'magic_link' | 'password_reset'; payload?: string },
): Promise<void> {
  const budget = await deps.ipLimiter.consume(`ip:${input.ip}`);
  if (!budget.allowed) throw throttled(budget.retryAfterMs);
  const user = await deps.store.users.findByEmail(normalizeEmail(input.email));
  if (!user || user.emailVerifiedAt === null) return;
  try {
    await sendCode(deps, {
      user,
      address: user.email,
      purpose: input.purpose,
      pendingSignInId: null,
      factorId: null,
      payload: input.payload,
      ip: input.ip,
      userAgent: input.userAgent,
    });
  } catch (error) {
    if (!(error instanceof TesseraError)) throw error;
  }
}

/** "Email me a sign-in link"; with `bindToBrowser`, the asking browser's nonce travels sealed in the challenge. */
export async function sendMagicLink(
  deps: CoreDeps,
  input: { email: string; ip: string; userAgent?: string; browserNonce?: string },
): Promise<void> {
  if (!deps.settings.magicLinks.enabled) throw turnedOff();
  await sendLinkIfKnown(deps, {
    email: input.email,
    ip: input.ip,
    userAgent: input.userAgent,
    purpose: 'magic_link',
    payload: input.browserNonce,
  });
}

/** What a link the app minted carries sealed in place of a browser's nonce: no browser asked for it. */
const hostMinted = 'host-minted';

/**
 * A sign-in link for the app to put in its own emails: the same link as "Email me a sign-in
 * link" sends, single use, for `magicLinks.lifetimeMinutes`, and the same policy on whether it
 * counts as a factor. No browser asked for it, so it is not bound to one.
 */
export async function mintSignInLink(deps: CoreDeps, user: User): Promise<{ url: string; expiresAt: number }> {
  if (!deps.settings.magicLinks.enabled) throw turnedOff();
  const now = deps.clock.now();
  const id = newId(deps.random);
  const token = deps.random.bytes(32).toString('base64url');
  const expiresAt = now + deps.settings.magicLinks.lifetimeMinutes * 60_000;
  await deps.store.oobChallenges.replace({
    id,
    userId: user.id,
    purpose: 'magic_link',
    pendingSignInId: null,
    factorId: null,
    codeHash: oobCodeHash(deps, id, token),
    payloadSealed: deps.secretBox.seal(hostMinted, `oob:${id}`),
    channel: 'email',
    attempts: 0,
    createdAt: now,
    expiresAt,
  });
  return { url: linkAddress(deps, '/sign-in/link', id, token).href, expiresAt };
}

/**
 * Signs in with the link, once: the token is checked and the challenge consumed in one step.
 * Unless configured to count as the second factor, the link is a first factor and the person's
 * second factor is still asked.
 */
export async function signInWithMagicLink(
  deps: CoreDeps,
  input: { challengeId: string; token: string; browserNonce?: string } & SignInClient,
): Promise<AfterFirstFactor> {
  if (!deps.settings.magicLinks.enabled) throw turnedOff();
  const challenge = await deps.store.oobChallenges.findById(input.challengeId, deps.clock.now());
  if (challenge?.purpose !== 'magic_link') throw invalid();
  const asked = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (deps.settings.magicLinks.bindToBrowser && asked !== hostMinted) {
    if (!asked || !input.browserNonce || !constantTimeEqual(asked, input.browserNonce)) throw invalid();
  }
  if (!(await takeOobCode(deps, challenge, input.token))) throw invalid();
  const user = await deps.store.users.findById(challenge.userId);
  if (!user) throw invalid();
  return afterFirstFactor(deps, {
    user,
    amr: ['magic_link'],
    ip: input.ip,
    userAgent: input.userAgent,
    browserToken: input.browserToken,
    deviceToken: input.deviceToken,
    multiFactor: deps.settings.magicLinks.countsAsSecondFactor,
  });
}
