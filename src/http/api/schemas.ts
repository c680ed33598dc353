import { z } from 'zod';

export const email = z.email('must be an email address like name@example.com').max(254);
/** Passwords are checked for length by the policy; the schema only bounds the request size. */
export const password = z.string('must be a string').min(1, 'is required').max(4096);
export const credentials = z.object({ email, password });

/** A code from an authenticator app. */
export const otpCode = z.string('must be a string').trim().min(1, 'is required').max(12, 'is too long');
export const recoveryCode = z.string('must be a string').trim().min(1, 'is required').max(64, 'is too long');

/** A second-factor proof: exactly one of `code` and `recoveryCode`. */
export const secondFactorProof = z
  .object({ code: otpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((proof) => (proof.code === undefined) !== (proof.recoveryCode === undefined), 'give either code or recoveryCode');

export const userView = z.object({ id: z.string(), email: z.string(), emailVerified: z.boolean() });
export const sessionView = z.object({
  aal: z.number().int(),
  amr: z.array(z.string()),
  authTime: z.number().int(),
  expiresAt: z.number().int(),
});
export const signedInView = z.object({ status: z.literal('signed_in'), user: userView, session: sessionView });
export const firstFactorView = z.union([
  signedInView,
  z.object({
    status: z.literal('second_factor_required'),
    methods: z.array(z.enum(['totp', 'email', 'phone', 'recovery_code'])),
    expiresAt: z.number().int(),
  }),
]);

export const factorView = z.object({
  id: z.string(),
  kind: z.enum(['totp', 'email', 'phone']),
  label: z.string(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
});

/** A completed enrollment: the new factor, and recovery codes when it was the first. */
export const enrolledView = z.object({ factor: factorView, recoveryCodes: z.array(z.string()).nullable() });

export const codeSentView = z.object({
  sentTo: z.string(),
  expiresAt: z.number().int(),
  resendAt: z.number().int(),
});

export const errorView = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** The answers of a route that completes an enrollment. */
export const enrolledResponses = { 201: enrolledView, 400: errorView, 401: errorView, 409: errorView };

/** The answers of a route that re-authenticates and then sends a code or link. */
export const sendAfterProofResponses = {
  200: codeSentView,
  400: errorView,
  401: errorView,
  409: errorView,
  423: errorView,
  429: errorView,
  503: errorView,
};
