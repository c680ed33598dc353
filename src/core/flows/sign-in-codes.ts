import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { maskEmail } from '../factors/oob-code.js';
import { maskPhone } from '../factors/phone.js';
import type { OobChallenge, User } from '../ports.js';
import { findPendingSignIn, methodsOf, type SecondFactorMethod } from './after-first-factor.js';
import { emailFactorsOf } from './email-codes.js';
import { phoneFactorsOf } from './phone-codes.js';
import { type CodeSent, sendCode } from './send-code.js';

/** Where a code can go at sign-in, as the challenge page shows it. */
export interface CodeTarget {
  factorId: string;
  channel: OobChallenge['channel'];
  sentTo: string;
}

/** Every address and number a code can be sent to for this person: emails first, then texts and calls. */
export async function codeTargetsOf(deps: CoreDeps, user: User): Promise<(CodeTarget & { address: string; country?: string })[]> {
  const emails = (await emailFactorsOf(deps, user)).map(({ factor, address }) => ({
    factorId: factor.id,
    channel: 'email' as const,
    sentTo: maskEmail(address),
    address,
  }));
  const phones = (await phoneFactorsOf(deps, user)).flatMap(({ factor, phone }) =>
    (phone.canText ? (['sms', 'voice'] as const) : (['voice'] as const)).map((channel) => ({
      factorId: factor.id,
      channel,
      sentTo: maskPhone(phone.e164),
      address: phone.e164,
      country: phone.country,
    })),
  );
  return [...emails, ...phones];
}

/** What the challenge page offers this browser's pending sign-in: its methods and where a code can be sent. */
export async function describeChallenge(
  deps: CoreDeps,
  pendingToken: string,
): Promise<{ methods: SecondFactorMethod[]; codeTargets: CodeTarget[]; codeSent: boolean } | undefined> {
  const pending = await findPendingSignIn(deps, pendingToken);
  // A passwordless sign-in has no first factor yet, and its page reads alike for every address: no second step to describe.
  const user = pending && pending.amr.length > 0 ? await deps.store.users.findById(pending.userId) : undefined;
  if (!pending || !user) return undefined;
  const sent = await deps.store.oobChallenges.find(user.id, 'sign_in', pending.id, deps.clock.now());
  const codeTargets = (await codeTargetsOf(deps, user)).map(({ factorId, channel, sentTo }) => ({ factorId, channel, sentTo }));
  // A number outside the configured countries is not offered at all.
  const canCall = codeTargets.some((target) => target.channel !== 'email');
  return {
    methods: methodsOf(await deps.store.factors.listForUser(user.id), pending.firstFactorId).filter(
      (method) => method !== 'phone' || canCall,
    ),
    codeTargets,
    codeSent: sent !== undefined,
  };
}

/**
 * "Send code" on the challenge: sends a code, bound to this browser's pending sign-in, to one
 * of the person's addresses or numbers (the first email address when none is named).
 */
export async function sendSignInCode(
  deps: CoreDeps,
  input: {
    pendingToken: string;
    factorId?: string;
    channel?: OobChallenge['channel'];
    ip: string;
    userAgent?: string;
    /**
     * For a passwordless sign-in (no first factor yet), which only its own routes may send for:
     * they answer alike for every address, where the second step's answers would say whose it is.
     */
    passwordless?: boolean;
  },
): Promise<CodeSent> {
  const pending = await findPendingSignIn(deps, input.pendingToken);
  const ofThisKind = pending && (pending.amr.length === 0) === (input.passwordless ?? false);
  const user = pending && ofThisKind ? await deps.store.users.findById(pending.userId) : undefined;
  if (!pending || !user) throw new TesseraError('ERR_SIGN_IN_EXPIRED', 'Your sign-in has expired. Please sign in again.');
  const targets = await codeTargetsOf(deps, user);
  const target = targets.find(
    (candidate) =>
      (input.factorId === undefined || candidate.factorId === input.factorId) &&
      candidate.channel === (input.channel ?? candidate.channel),
  );
  if (!target) throw new TesseraError('ERR_NOT_FOUND', 'Codes cannot be sent there for this account.');
  return sendCode(deps, {
    user,
    address: target.address,
    purpose: 'sign_in',
    pendingSignInId: pending.id,
    factorId: target.factorId,
    channel: target.channel,
    ...(target.country ? { country: target.country } : {}),
    ip: input.ip,
    userAgent: input.userAgent,
  });
}
