import type { z } from 'zod';
import type { AfterFirstFactor } from '../../core/flows/after-first-factor.js';
import type { SignedIn } from '../../core/flows/complete-sign-in.js';
import type { Factor, Session, User } from '../../core/ports.js';
import type { enrolledView, factorView, firstFactorView, signedInView } from './schemas.js';

export function toSignedInView(user: User, session: Session): z.infer<typeof signedInView> {
  return {
    status: 'signed_in',
    user: {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerifiedAt !== null,
      mfaSetupRequired: user.mfaSetupRequired,
      mfaSetupLocked: user.mfaResetAt !== null,
    },
    session: {
      aal: session.aal,
      amr: session.amr,
      authTime: session.authTime,
      expiresAt: session.expiresAt,
      enrollmentRequired: session.enrollmentOnly,
    },
  };
}

export function toFirstFactorView(
  outcome: AfterFirstFactor | ({ kind: 'signed_in' } & SignedIn),
): z.infer<typeof firstFactorView> {
  return outcome.kind === 'signed_in'
    ? toSignedInView(outcome.user, outcome.session)
    : { status: 'second_factor_required', methods: outcome.methods, expiresAt: outcome.pending.expiresAt };
}

export function toFactorView(factor: Factor): z.infer<typeof factorView> {
  const key = factor.webauthn;
  return {
    id: factor.id,
    kind: factor.kind,
    label: factor.label,
    createdAt: factor.createdAt,
    lastUsedAt: factor.lastUsedAt,
    primary: factor.primary,
    webauthn: key && {
      transports: key.transports,
      attachment: key.attachment,
      aaguid: key.aaguid,
      userVerified: key.userVerified,
      passkey: key.discoverable,
      backupEligible: key.backupEligible,
      backedUp: key.backedUp,
      flagged: key.flaggedAt !== null,
    },
  };
}

/** A completed enrollment as the API answers it. */
export function toEnrolledView(added: { factor: Factor; recoveryCodes: string[] | null }): z.infer<typeof enrolledView> {
  return { factor: toFactorView(added.factor), recoveryCodes: added.recoveryCodes };
}
