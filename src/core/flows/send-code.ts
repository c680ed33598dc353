import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import { maskEmail, newOobCode } from '../factors/oob-code.js';
import { maskPhone } from '../factors/phone.js';
import type { OobChallenge, SendCounts, User } from '../ports.js';
import { recordEvent } from './security-events.js';

/** Where a code went and when another may be asked for; shown to the person. */
export interface CodeSent {
  sentTo: string;
  expiresAt: number;
  resendAt: number;
}

/** A code's keyed hash, taken with its challenge's id, so a code can only ever answer the challenge it was sent for. */
export const oobCodeHash = (deps: CoreDeps, challengeId: string, secret: string) =>
  deps.keyedHash.hash(`oob:${challengeId}:${secret}`);

/** The address of an emailed link: its challenge and its token. */
export function linkAddress(deps: CoreDeps, path: '/sign-in/link' | '/reset-password', challengeId: string, token: string): URL {
  const link = new URL(path, deps.settings.server.publicUrl);
  link.searchParams.set('c', challengeId);
  link.searchParams.set('t', token);
  return link;
}

/** The secret a message carries and the message itself, per purpose. */
interface Composed {
  secret: string;
  lifetimeMs: number;
  subject: string;
  text: string;
}

/** What a texted or spoken code is for: "sign-in code", or the very thing a step-up approves. */
function codeName(purpose: OobChallenge['purpose'], approving: string | undefined): string {
  if (purpose === 'step_up') return `code to approve “${approving}”`;
  return purpose === 'sign_in' ? 'sign-in code' : 'set-up code';
}

function compose(
  deps: CoreDeps,
  purpose: OobChallenge['purpose'],
  channel: OobChallenge['channel'],
  challengeId: string,
  approving?: string,
): Composed {
  const product = deps.settings.branding.productName;
  const { digits, lifetimeMinutes, verificationLinkHours } = deps.settings.emailCodes;
  if (purpose === 'magic_link' || purpose === 'password_reset') {
    const token = deps.random.bytes(32).toString('base64url');
    const link = linkAddress(deps, purpose === 'magic_link' ? '/sign-in/link' : '/reset-password', challengeId, token);
    const minutes = deps.settings.magicLinks.lifetimeMinutes;
    const what =
      purpose === 'magic_link' ? `sign in to your ${product} account` : `choose a new password for your ${product} account`;
    return {
      secret: token,
      lifetimeMs: minutes * 60_000,
      subject: purpose === 'magic_link' ? `Sign in to ${product}` : `Reset your ${product} password`,
      text: `Open this link to ${what}:\n\n${link.href}\n\nIt works once, for ${minutes} minutes. If you did not ask for it, ignore this email: nobody can use it without your mailbox.\n`,
    };
  }
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
  const lifetimeMs = lifetimeMinutes * 60_000;
  if (channel === 'sms') {
    // The last line is the WebOTP format, so browsers can offer the code from the text.
    const host = new URL(deps.settings.server.publicUrl).host;
    return {
      secret: code,
      lifetimeMs,
      subject: '',
      text: `Your ${product} ${codeName(purpose, approving)} is ${code}. It expires in ${lifetimeMinutes} minutes. Never share it.\n\n@${host} #${code}`,
    };
  }
  if (channel === 'voice') {
    const spoken = code.split('').join('. ');
    return {
      secret: code,
      lifetimeMs,
      subject: '',
      text: `This is ${product}. Your ${codeName(purpose, approving)} is: ${spoken}.\nAgain, your code is: ${spoken}.`,
    };
  }
  const emailed = {
    sign_in: { lead: `Your ${product} sign-in code is`, subject: `Your ${product} sign-in code` },
    step_up: { lead: `Your ${product} ${codeName(purpose, approving)} is`, subject: `Approve: ${approving}` },
    unlock_setup: {
      lead: `Your code to set up two-step verification again for ${product} is`,
      subject: `Set up two-step verification again for ${product}`,
    },
    enroll_email: { lead: `Your code to turn on email codes for ${product} is`, subject: `Confirm email codes for ${product}` },
  };
  const { lead, subject } = emailed[purpose as keyof typeof emailed] ?? emailed.enroll_email;
  return {
    secret: code,
    lifetimeMs,
    subject,
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
    /** For a step-up, what the code approves, named in the message: "Withdraw £250.00 to account ••••1234". */
    approving?: string;
    /** Email unless given: SMS and voice go to the E.164 number in `address`. */
    channel?: OobChallenge['channel'];
    /** The ISO country of a phone number, for the toll-fraud budgets. */
    country?: string;
    /** Where the request came from, for the security event of a refused send. */
    ip: string;
    userAgent?: string;
  },
): Promise<CodeSent> {
  const settings = deps.settings.emailCodes;
  const now = deps.clock.now();
  const channel = input.channel ?? 'email';
  if (
    channel === 'email' &&
    input.purpose !== 'verify_email' &&
    input.address === input.user.email &&
    input.user.emailVerifiedAt === null
  ) {
    throw new TesseraError(
      'ERR_EMAIL_UNVERIFIED',
      'Confirm your email address first: open the link we sent you, or ask for a new one.',
    );
  }
  const destinationHash = deps.keyedHash.hash(`destination:${input.address.toLowerCase()}`);
  const send = { userId: input.user.id, destinationHash, purpose: input.purpose, channel, country: input.country ?? null };
  const sends = await deps.store.oobChallenges.countSends(send, { hour: now - 3_600_000, day: now - 86_400_000 });
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

  if (channel !== 'email')
    await assertPhoneBudget(deps, { ...send, address: input.address, sends, ip: input.ip, userAgent: input.userAgent });
  // Parallel requests all read the same last send before any records its own: exactly one of those
  // that read it may send (one conditional insert, across instances), so a burst sends one code.
  const cooldownMs = settings.resendCooldownSeconds * 1000;
  if (
    cooldownMs > 0 &&
    !(await deps.store.grants.consume(`send:${send.userId}:${send.purpose}:${sends.lastAt}`, now, now + cooldownMs))
  ) {
    throw new TesseraError(
      'ERR_RESEND_TOO_SOON',
      `A code was just sent. You can ask for another in ${settings.resendCooldownSeconds} seconds.`,
      cooldownMs,
    );
  }

  const challengeId = newId(deps.random);
  const message = compose(deps, input.purpose, channel, challengeId, input.approving);
  const expiresAt = now + message.lifetimeMs;
  await deps.store.oobChallenges.replace({
    id: challengeId,
    userId: input.user.id,
    purpose: input.purpose,
    pendingSignInId: input.pendingSignInId,
    factorId: input.factorId,
    codeHash: oobCodeHash(deps, challengeId, message.secret),
    payloadSealed: input.payload === undefined ? null : deps.secretBox.seal(input.payload, `oob:${challengeId}`),
    channel,
    attempts: 0,
    createdAt: now,
    expiresAt,
  });
  await deps.store.oobChallenges.recordSend({ ...send, at: now });
  const { delivered } = await deps.delivery.send({
    channel,
    to: input.address,
    purpose: input.purpose,
    subject: message.subject,
    text: message.text,
  });
  if (!delivered) throw new TesseraError('ERR_DELIVERY_FAILED', "We couldn't send the code. Try another method.");
  const sentTo = channel === 'email' ? maskEmail(input.address) : maskPhone(input.address);
  return { sentTo, expiresAt, resendAt: now + settings.resendCooldownSeconds * 1000 };
}

/**
 * The toll-fraud guard for texts and calls: blocked premium prefixes, hourly budgets per
 * country and in total, and a daily cap on different numbers per account. A refusal is a
 * security event, and the person is told plainly.
 */
async function assertPhoneBudget(
  deps: CoreDeps,
  input: { userId: string; address: string; country: string | null; sends: SendCounts; ip: string; userAgent?: string },
): Promise<void> {
  const { blockedPrefixes, hourlyLimitPerCountry, hourlyLimitTotal, newNumbersPerDay } = deps.settings.phone;
  const reason = blockedPrefixes.some((prefix) => input.address.startsWith(prefix))
    ? 'blocked_prefix'
    : input.sends.toCountry >= hourlyLimitPerCountry
      ? 'country_budget'
      : input.sends.phoneTotal >= hourlyLimitTotal
        ? 'total_budget'
        : input.sends.otherNumbersToday >= newNumbersPerDay
          ? 'new_numbers_per_day'
          : undefined;
  if (!reason) return;
  await recordEvent(deps, deps.store, {
    type: 'send_refused',
    userId: input.userId,
    ip: input.ip,
    userAgent: input.userAgent,
    at: deps.clock.now(),
    detail: { reason, country: input.country },
  });
  throw new TesseraError('ERR_SEND_LIMIT', "We can't send a code to this number right now. Use another method.");
}
