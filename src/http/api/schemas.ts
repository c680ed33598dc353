import { z } from 'zod';

export const email = z.email('must be an email address like name@example.com').max(254);
/** Passwords are checked for length by the policy; the schema only bounds the request size. */
export const password = z.string('must be a string').min(1, 'is required').max(4096);
export const credentials = z.object({ email, password });

/** A code from an authenticator app. */
export const otpCode = z.string('must be a string').trim().min(1, 'is required').max(12, 'is too long');
export const recoveryCode = z.string('must be a string').trim().min(1, 'is required').max(64, 'is too long');

const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');
const transport = z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const attachment = z.enum(['platform', 'cross-platform']);

/** A security key's or passkey's answer to a sign-in challenge, as @simplewebauthn/browser's `startAuthentication` returns it. */
export const webauthnAssertion = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(2048),
    userHandle: base64url(256).optional(),
  }),
  authenticatorAttachment: attachment.optional(),
  clientExtensionResults: z.object({}).loose().default({}),
});

/** A new credential, as @simplewebauthn/browser's `startRegistration` returns it. */
export const webauthnRegistration = z.object({
  id: base64url(1024),
  rawId: base64url(1024),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(32_768),
    authenticatorData: base64url(4096).optional(),
    transports: z.array(transport).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
  authenticatorAttachment: attachment.optional(),
  clientExtensionResults: z
    .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
    .loose()
    .default({}),
});

/** Options for the browser's `navigator.credentials` call, passed on to @simplewebauthn/browser as they are. */
export const webauthnOptionsView = z.object({ challenge: z.string() }).loose();

/** A second-factor proof: exactly one of `code`, `recoveryCode` and `webauthn` (a security key's answer). */
const proofFields = z.object({
  code: otpCode.optional(),
  recoveryCode: recoveryCode.optional(),
  webauthn: webauthnAssertion.optional(),
});

/** The step-up a code was sent for (POST /step-up, then /step-up/send-code), when the proof is such a code. */
const sentFor = z.object({ stepUpId: z.string().min(1).max(64).optional() });
const proofsGiven = (proof: z.infer<typeof proofFields>) =>
  [proof.code, proof.recoveryCode, proof.webauthn].filter((given) => given !== undefined).length;

export const secondFactorProof = proofFields.refine(
  (proof) => proofsGiven(proof) === 1,
  'give one of code, recoveryCode or webauthn',
);

/**
 * The proof a protected action takes with the request, when no approval in the session covers
 * it yet; without one the answer is 403 ERR_STEP_UP_REQUIRED.
 */
export const protectedActionProof = proofFields
  .extend(sentFor.shape)
  .refine((proof) => proofsGiven(proof) <= 1, 'give at most one of code, recoveryCode or webauthn');

/** A moment as the API answers it. */
export const epochMs = z.number().int().describe('Milliseconds since 1970-01-01 UTC.');

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  emailVerified: z.boolean().describe('The address was confirmed through the emailed link.'),
  mfaSetupRequired: z
    .boolean()
    .describe('Signing in leads through setting up a second factor (turned on for the next sign-in, or reset).'),
  mfaSetupLocked: z.boolean().describe('After a reset: setting up needs /mfa/setup/unlock first.'),
});
export const sessionView = z.object({
  aal: z.number().int().describe('Authentication assurance level: 1 for one factor, 2 for two.'),
  amr: z
    .array(z.string())
    .describe('How the person authenticated: RFC 8176 values (`pwd`, `otp`, `hwk`…) and Tessera’s own (`recovery_code`…).'),
  authTime: epochMs.describe('When the person signed in, in milliseconds since 1970-01-01 UTC.'),
  expiresAt: epochMs,
  enrollmentRequired: z
    .boolean()
    .describe('A policy requires two-step verification: until a method is set up, the session reaches only setting it up.'),
});
export const signedInView = z.object({ status: z.literal('signed_in'), user: userView, session: sessionView });
export const firstFactorView = z.union([
  signedInView,
  z.object({
    status: z.literal('second_factor_required'),
    methods: z.array(z.enum(['webauthn', 'totp', 'email', 'phone', 'recovery_code'])),
    expiresAt: z.number().int(),
  }),
]);

export const factorView = z.object({
  id: z.string(),
  kind: z.enum(['totp', 'email', 'phone', 'security_key', 'biometric']),
  label: z.string(),
  createdAt: epochMs,
  lastUsedAt: epochMs.nullable(),
  primary: z.boolean().describe('The challenge at sign-in opens with this method.'),
  webauthn: z
    .object({
      transports: z.array(z.string()),
      attachment: attachment.nullable(),
      aaguid: z.string(),
      userVerified: z.boolean(),
      passkey: z.boolean(),
      backupEligible: z.boolean(),
      backedUp: z.boolean(),
      flagged: z.boolean(),
    })
    .nullable()
    .describe('For security keys and biometrics: what the authenticator is; null for the other kinds.'),
});

/** A completed enrollment: the new factor, and recovery codes when it was the first. */
export const enrolledView = z.object({ factor: factorView, recoveryCodes: z.array(z.string()).nullable() });

export const codeSentView = z.object({
  sentTo: z.string().describe('Where it went, masked: `a•••@e•••.com`, `•••• 3456`.'),
  expiresAt: epochMs,
  resendAt: epochMs.describe('When another may be sent, in milliseconds since 1970-01-01 UTC.'),
});

/** The `c` (challenge) and `t` (token) of an emailed link. */
export const emailedLink = z.object({ c: z.string().min(1).max(64), t: z.string().min(1).max(128) });

/** The one answer of "email me a link" forms, whether or not the address is known. */
export const sentIfKnownView = z.object({ status: z.literal('sent_if_known') });

export const errorView = z.object({
  error: z.object({
    code: z.string().describe('Stable, for programs: `ERR_INVALID_INPUT`, `ERR_UNAUTHENTICATED`…'),
    message: z.string().describe('A sentence a person can act on.'),
  }),
});

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
