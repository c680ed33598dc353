import type { CoreDeps } from '../deps.js';
import { newId } from '../deps.js';
import { ceremonyMs, signedChallenge } from '../factors/webauthn.js';
import type { WebAuthnChallenge } from '../ports.js';

const challengeHashInput = (challenge: string) => `webauthn:${challenge}`;

/** A new random challenge (256 bits), stored as a keyed hash and bound to what it is for; it lives five minutes. */
export async function issueWebAuthnChallenge(
  deps: CoreDeps,
  binding: Pick<WebAuthnChallenge, 'purpose' | 'userId' | 'pendingSignInId' | 'kind'>,
): Promise<string> {
  const challenge = deps.random.bytes(32).toString('base64url');
  const now = deps.clock.now();
  await deps.store.webauthnChallenges.create({
    id: newId(deps.random),
    challengeHash: deps.keyedHash.hash(challengeHashInput(challenge)),
    ...binding,
    createdAt: now,
    expiresAt: now + ceremonyMs,
  });
  return challenge;
}

/**
 * Takes the challenge a response signed out of the store before anything is verified, so a
 * response is checked at most once: a replay, a second parallel submission or an expired
 * challenge finds nothing.
 */
export async function takeWebAuthnChallenge(
  deps: CoreDeps,
  response: { response: { clientDataJSON: string } },
): Promise<{ challenge: string; issued: WebAuthnChallenge } | undefined> {
  const challenge = signedChallenge(response);
  if (!challenge) return undefined;
  const issued = await deps.store.webauthnChallenges.consume(
    deps.keyedHash.candidates(challengeHashInput(challenge)),
    deps.clock.now(),
  );
  return issued && { challenge, issued };
}
