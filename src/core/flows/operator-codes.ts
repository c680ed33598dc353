import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { TesseraError } from '../errors.js';
import { newOobCode } from '../factors/oob-code.js';
import type { OobChallenge, User } from '../ports.js';
import { recordEvent } from './security-events.js';
import { takeOobCode } from './take-oob-code.js';

/** Operator codes are longer than sent codes: they are read out over the phone and live longer. */
const operatorCodeDigits = 8;

/**
 * After checking a caller, an operator issues a one-time code into their account: it works once,
 * for `support.operatorCodeMinutes`, at the second step of a sign-in only — never as a first
 * factor. It is shown once, to the operator; only its keyed hash is kept, and the event names
 * the operator. A new code replaces an earlier one.
 */
export async function issueOperatorCode(
  deps: CoreDeps,
  input: { user: User; operator: string; ip: string },
): Promise<{ code: string; expiresAt: number }> {
  const operator = input.operator.trim();
  if (operator.length === 0 || operator.length > 100) {
    throw new TesseraError('ERR_INVALID_INPUT', 'Name the operator issuing the code (1 to 100 characters).');
  }
  const now = deps.clock.now();
  const id = newId(deps.random);
  const code = newOobCode(deps.random, operatorCodeDigits);
  const challenge: OobChallenge = {
    id,
    userId: input.user.id,
    purpose: 'operator_code',
    pendingSignInId: null,
    factorId: null,
    codeHash: deps.keyedHash.hash(`oob:${id}:${code}`),
    payloadSealed: null,
    channel: 'voice',
    attempts: 0,
    createdAt: now,
    expiresAt: now + deps.settings.support.operatorCodeMinutes * 60_000,
  };
  await deps.store.oobChallenges.replace(challenge);
  await recordEvent(deps, deps.store, {
    type: 'operator_code_issued',
    userId: input.user.id,
    ip: input.ip,
    at: now,
    detail: { operator, expiresAt: challenge.expiresAt },
  });
  return { code, expiresAt: challenge.expiresAt };
}

/** Whether `code` is the person's live operator-issued code; it is spent by the one caller that matches. */
export async function takeOperatorCode(deps: CoreDeps, user: User, code: string): Promise<boolean> {
  const challenge = await deps.store.oobChallenges.find(user.id, 'operator_code', null, deps.clock.now());
  return challenge !== undefined && (await takeOobCode(deps, challenge, code));
}
