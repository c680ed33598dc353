import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import { maskEmail, newOobCode } from '../factors/oob-code.js';
import type { Factor, OobChallenge, User } from '../ports.js';
import { addFactor } from './add-factor.js';
import { findPendingSignIn, methodsOf, type SecondFactorMethod } from './after-first-factor.js';
import { claimPasswordAttempt } from './first-factor-throttle.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { takeOobCode } from './take-oob-code.js';
import { verifyPassword } from './sign-in.js';
import { normalizeEmail } from './sign-up.js';

/** Where a code went and when another may be asked for; shown to the person. */
export interface CodeSent {
  sentTo: string;
  expiresAt: number;
  resendAt: number;
}

/** The secret a message carries and the message itself, per purpose. */
interface Composed {
  secret: string;
  lifetimeMs: number;
  subject: string;
  text: string;
}

function compose(deps: CoreDeps, purpose: OobChallenge['purpose'], challengeId: string): Composed {
  const product = deps.settings.branding.productName;
  const { digits, lifetimeMinutes, verificationLinkHours } = deps.settings.emailCodes;
  if (purpose === 'verify_email' || purpose === 'change_email') {
    const token = deps.random.bytes(32).toString('base64url');
    const link = new URL('/verify-email', deps.settings.server.publicUrl);
    link.searchParams.set('c', challengeId);
    link.searchParams.set('t', token);
    const why =
      purpose === 'verify_email'
        ? `confirm this address for your ${product} account`
        : `make this the new address of your ${product} account`;
    return {
      secret: token,
      lifetimeMs: verificationLinkHours * 3_600_000,
      subject: purpose === 'verify_email' ? `Confirm your email for ${product}` : `Confirm your new email for ${product}`,
      text: `Open this link to ${why}:\n\n${link.href}\n\nIt expires in ${verificationLinkHours} hours. If you did not ask for this, ignore this email.\n`,
    };
  }
  const code = newOobCode(deps.random, digits);
  const lead = purpose === 'sign_in' ? `Your ${product} sign-in code is` : `Your code to turn on email codes for ${product} is`;
  return {
    secret: code,
    lifetimeMs: lifetimeMinutes * 60_000,
    subject: purpose === 'sign_in' ? `Your ${product} sign-in code` : `Confirm email codes for ${product}`,
    text: `${lead}\n\n${code}\n\nIt expires in ${lifetimeMinutes} minutes. If you did not ask for it, someone may know your password: change it.\n`,
  };
}

/**
 * Sends a fresh code or link for one purpose, replacing the earlier one (whose failed attempts
 * do not come back: the account budget is separate and untouched). Refused within the resend
 * cooldown for that purpose and beyond the hourly caps per person and per address; until the
 * account's address is verified it receives nothing but the verification link.
 */
export async function sendCode(
  deps: CoreDeps,
  input: {
    user: User;
    address: string;
    purpose: OobChallenge['purpose'];
    pendingSignInId: string | null;
    factorId: string | null;
    /** What the challenge carries, sealed under its id: the new address of an email change. */
    payload?: string;
  },
): Promise<CodeSent> {
  const settings = deps.settings.emailCodes;
  const now = deps.clock.now();
  if (input.purpose !== 'verify_email' && input.address === input.user.email && input.user.emailVerifiedAt === null) {
    throw new TesseraError(
      'ERR_EMAIL_UNVERIFIED',
      'Confirm your email address first: open the link we sent you, or ask for a new one.',
    );
  }
  const destinationHash = deps.keyedHash.hash(`destination:${input.address.toLowerCase()}`);
  const sends = await deps.store.oobChallenges.countSends(input.user.id, destinationHash, input.purpose, now - 3_600_000);
  const resendAt = sends.lastAt + settings.resendCooldownSeconds * 1000;
  if (resendAt > now) {
    const seconds = Math.ceil((resendAt - now) / 1000);
    throw new TesseraError(
      'ERR_RESEND_TOO_SOON',
      `A code was just sent. You can ask for another in ${seconds} seconds.`,
      resendAt - now,
    );
  }
  if (sends.byUser >= settings.hourlyLimitPerPerson || sends.toDestination >= settings.hourlyLimitPerDestination) {
    throw new TesseraError(
      'ERR_SEND_LIMIT',
      'Too many codes were sent in the last hour. Try again later or use another method.',
      3_600_000,
    );
  }

  const challengeId = newId(deps.random);
  const message = compose(deps, input.purpose, challengeId);
  const expiresAt = now + message.lifetimeMs;
  await deps.store.oobChallenges.replace({
    id: challengeId,
    userId: input.user.id,
    purpose: input.purpose,
    pendingSignInId: input.pendingSignInId,
    factorId: input.factorId,
    // Hashed with its challenge's id, so a code can only ever answer the challenge it was sent for.
    codeHash: deps.keyedHash.hash(`oob:${challengeId}:${message.secret}`),
    payloadSealed: input.payload === undefined ? null : deps.secretBox.seal(input.payload, `oob:${challengeId}`),
    attempts: 0,
    createdAt: now,
    expiresAt,
  });
  await deps.store.oobChallenges.recordSend(input.user.id, destinationHash, input.purpose, now);
  const { delivered } = await deps.delivery.send({
    channel: 'email',
    to: input.address,
    purpose: input.purpose,
    subject: message.subject,
    text: message.text,
  });
  if (!delivered) throw new TesseraError('ERR_DELIVERY_FAILED', "We couldn't send the code. Try another method.");
  return { sentTo: maskEmail(input.address), expiresAt, resendAt: now + settings.resendCooldownSeconds * 1000 };
}

/** The person's email factors with the address each sends to, oldest first. */
export async function emailFactorsOf(deps: CoreDeps, user: User): Promise<{ factor: Factor; address: string }[]> {
  const factors = (await deps.store.factors.listForUser(user.id)).filter((candidate) => candidate.kind === 'email');
  return factors.flatMap((factor) => {
    const address = deps.secretBox.open(factor.secretSealed, factorSecretContext(factor));
    return address ? [{ factor, address }] : [];
  });
}

/** An address an emailed code can go to at sign-in, as the challenge page shows it. */
export interface EmailTarget {
  factorId: string;
  sentTo: string;
}

/** What the challenge page offers this browser's pending sign-in: its methods and where an emailed code can go. */
export async function describeChallenge(
  deps: CoreDeps,
  pendingToken: string,
): Promise<{ methods: SecondFactorMethod[]; emailTargets: EmailTarget[]; emailSent: boolean } | undefined> {
  const pending = await findPendingSignIn(deps, pendingToken);
  const user = pending && (await deps.store.users.findById(pending.userId));
  if (!pending || !user) return undefined;
  const sent = await deps.store.oobChallenges.find(user.id, 'sign_in', pending.id, deps.clock.now());
  return {
    methods: methodsOf(await deps.store.factors.listForUser(user.id)),
    emailTargets: (await emailFactorsOf(deps, user)).map(({ factor, address }) => ({
      factorId: factor.id,
      sentTo: maskEmail(address),
    })),
    emailSent: sent !== undefined,
  };
}

/** "Send code" on the challenge: emails a code, bound to this browser's pending sign-in, to one of the person's addresses. */
export async function sendSignInEmailCode(deps: CoreDeps, input: { pendingToken: string; factorId?: string }): Promise<CodeSent> {
  const pending = await findPendingSignIn(deps, input.pendingToken);
  const user = pending && (await deps.store.users.findById(pending.userId));
  if (!pending || !user) throw new TesseraError('ERR_SIGN_IN_EXPIRED', 'Your sign-in has expired. Please sign in again.');
  const targets = await emailFactorsOf(deps, user);
  const target = input.factorId === undefined ? targets[0] : targets.find(({ factor }) => factor.id === input.factorId);
  if (!target) throw new TesseraError('ERR_NOT_FOUND', 'Email codes are not turned on for this address.');
  return sendCode(deps, {
    user,
    address: target.address,
    purpose: 'sign_in',
    pendingSignInId: pending.id,
    factorId: target.factor.id,
  });
}

/**
 * Starts turning on email codes for an address — the account's own (once confirmed) or another
 * one the person names: the password again, then a code to the address proves it.
 */
export async function startEmailFactor(
  deps: CoreDeps,
  input: { user: User; password: string; address?: string; ip: string },
): Promise<CodeSent> {
  const address = normalizeEmail(input.address || input.user.email);
  const throttleKey = await claimPasswordAttempt(deps, input.user.email, input.ip);
  if (!(await verifyPassword(deps, input.user, input.password))) {
    throw new TesseraError('ERR_INVALID_CREDENTIALS', 'The password is not right.');
  }
  await deps.store.throttles.clear(throttleKey);
  if ((await emailFactorsOf(deps, input.user)).some((existing) => existing.address === address)) {
    throw new TesseraError('ERR_ALREADY_ENROLLED', 'Email codes are already on for this address.');
  }
  return sendCode(deps, {
    user: input.user,
    address,
    purpose: 'enroll_email',
    pendingSignInId: null,
    factorId: null,
    payload: address,
  });
}

/**
 * Finishes turning on email codes once the code sent to the address comes back; the first
 * factor comes with recovery codes, shown once.
 */
export async function confirmEmailFactor(
  deps: CoreDeps,
  input: { user: User; code: string; ip: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const now = deps.clock.now();
  const challenge = await deps.store.oobChallenges.find(input.user.id, 'enroll_email', null, now);
  if (!challenge) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');
  const matches = await takeOobCode(deps, challenge, input.code.trim());
  if (!matches) throw new TesseraError('ERR_CODE_INVALID', 'That code is not right. Check the email and try again.');
  const address = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (!address) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');

  return addFactor(deps, {
    user: input.user,
    kind: 'email',
    label: `Email to ${maskEmail(address)}`,
    secret: address,
    fingerprint: `email:${address}`,
    lastUsedStep: null,
    alreadyEnrolled: 'Email codes are already on for this address.',
    ip: input.ip,
  });
}
