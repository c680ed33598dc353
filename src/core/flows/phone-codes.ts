import type { CoreDeps } from '../deps.js';
import { TesseraError } from '../errors.js';
import { factorSecretContext } from '../factors/factor-secret.js';
import { maskPhone, parsePhone, type PhoneNumber } from '../factors/phone.js';
import type { Factor, User } from '../ports.js';
import { addFactor, assertSetupUnlocked } from './add-factor.js';
import { type CodeSent, sendCode } from './send-code.js';
import { checkSecondFactor, type SecondFactorProof } from './second-factor-check.js';
import { confirmPassword } from './sign-in.js';
import { normalizeEmail } from './sign-up.js';
import { takeOobCode } from './take-oob-code.js';

export type PhoneChannel = 'sms' | 'voice';

/** The person's phone factors that may be used here: numbers in the configured countries. */
export async function phoneFactorsOf(deps: CoreDeps, user: User): Promise<{ factor: Factor; phone: PhoneNumber }[]> {
  const factors = (await deps.store.factors.listForUser(user.id)).filter((candidate) => candidate.kind === 'phone');
  const usable = await Promise.all(
    factors.map(async (factor) => {
      const number = deps.secretBox.open(factor.secretSealed, factorSecretContext(factor));
      const phone = number ? await parsePhone(number) : undefined;
      return phone && deps.settings.phone.countries.includes(phone.country) ? [{ factor, phone }] : [];
    }),
  );
  return usable.flat();
}

/** A number codes may be sent to over `channel`: in an allowed country, and a mobile for texts. */
export async function usablePhone(deps: CoreDeps, number: string, channel: PhoneChannel): Promise<PhoneNumber> {
  const phone = await parsePhone(number);
  if (!deps.settings.phone.countries.includes(phone.country)) {
    throw new TesseraError(
      'ERR_INVALID_INPUT',
      'We cannot send codes to numbers in this country. Use an authenticator app instead.',
    );
  }
  if (channel === 'sms' && !phone.canText) {
    throw new TesseraError('ERR_INVALID_INPUT', 'This number cannot receive texts. Choose a voice call instead.');
  }
  return phone;
}

/**
 * Starts adding a phone number: binding a new authenticator, so it needs a current second
 * factor — or the password while the person has none — and the number must prove itself
 * with a code.
 */
export async function startPhoneFactor(
  deps: CoreDeps,
  input: {
    user: User;
    number: string;
    channel: PhoneChannel;
    password?: string;
    proof?: SecondFactorProof;
    ip: string;
    userAgent?: string;
  },
): Promise<CodeSent> {
  assertSetupUnlocked(input.user);
  const phone = await usablePhone(deps, input.number, input.channel);
  if ((await deps.store.factors.listForUser(input.user.id)).length > 0) {
    if (!input.proof)
      throw new TesseraError('ERR_INVALID_INPUT', 'Enter a current code from one of your sign-in methods, or a recovery code.');
    await checkSecondFactor(
      deps,
      input.user,
      { proof: input.proof, ip: input.ip, userAgent: input.userAgent },
      async () => undefined,
    );
  } else {
    await confirmPassword(deps, { user: input.user, password: input.password ?? '', ip: input.ip, userAgent: input.userAgent });
  }
  if ((await phoneFactorsOf(deps, input.user)).some((existing) => existing.phone.e164 === phone.e164)) {
    throw new TesseraError('ERR_ALREADY_ENROLLED', 'This number is already one of your sign-in methods.');
  }
  return sendCode(deps, {
    user: input.user,
    address: phone.e164,
    purpose: 'enroll_phone',
    pendingSignInId: null,
    factorId: null,
    payload: phone.e164,
    channel: input.channel,
    country: phone.country,
    ip: input.ip,
    userAgent: input.userAgent,
  });
}

/** Adds the number once its code comes back, and tells the confirmed email address. */
export async function confirmPhoneFactor(
  deps: CoreDeps,
  input: { user: User; code: string; ip: string; userAgent?: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const challenge = await deps.store.oobChallenges.find(input.user.id, 'enroll_phone', null, deps.clock.now());
  if (!challenge) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');
  if (!(await takeOobCode(deps, challenge, input.code.trim()))) {
    throw new TesseraError('ERR_CODE_INVALID', 'That code is not right. Check it and try again.');
  }
  const number = challenge.payloadSealed && deps.secretBox.open(challenge.payloadSealed, `oob:${challenge.id}`);
  if (!number) throw new TesseraError('ERR_ENROLLMENT_EXPIRED', 'This code has expired. Ask for a new one.');
  const added = await addFactor(deps, {
    user: input.user,
    kind: 'phone',
    label: `Phone ${maskPhone(number)}`,
    secret: number,
    fingerprint: `phone:${number}`,
    lastUsedStep: null,
    alreadyEnrolled: 'This number is already one of your sign-in methods.',
    ip: input.ip,
    userAgent: input.userAgent,
  });
  await tellEmailOfNewPhone(deps, input.user, number);
  return added;
}

/**
 * A number the host application has already verified becomes a factor at once. The first
 * factor's recovery codes go back to the host, to be shown to the person once.
 */
export async function registerVerifiedPhone(
  deps: CoreDeps,
  input: { email: string; number: string; ip: string; userAgent?: string },
): Promise<{ factor: Factor; recoveryCodes: string[] | null }> {
  const user = await deps.store.users.findByEmail(normalizeEmail(input.email));
  if (!user) throw new TesseraError('ERR_NOT_FOUND', 'There is no account with this email.');
  const phone = await usablePhone(deps, input.number, 'voice');
  const added = await addFactor(deps, {
    user,
    kind: 'phone',
    label: `Phone ${maskPhone(phone.e164)}`,
    secret: phone.e164,
    fingerprint: `phone:${phone.e164}`,
    lastUsedStep: null,
    alreadyEnrolled: 'This number is already one of the account’s sign-in methods.',
    ip: input.ip,
    userAgent: input.userAgent,
  });
  await tellEmailOfNewPhone(deps, user, phone.e164);
  return added;
}

/** Binding a number is binding a new authenticator (the SIM-swap path): the confirmed address hears of it. */
async function tellEmailOfNewPhone(deps: CoreDeps, user: User, number: string): Promise<void> {
  if (user.emailVerifiedAt === null) return;
  const product = deps.settings.branding.productName;
  await deps.delivery.send({
    channel: 'email',
    to: user.email,
    purpose: 'phone_added',
    subject: `A phone number was added to your ${product} account`,
    text: `The number ${maskPhone(number)} can now receive sign-in codes for your ${product} account.\n\nIf you did not add it, remove it from your account security page and change your password at once.\n`,
  });
}
