import type { ApiScope } from './api-scopes.js';

/**
 * What the core needs from the outside world. Adapters implement these; the core never imports
 * an adapter, so every flow can run against an in-memory clock or a counting hasher in tests.
 */

/** Milliseconds since the epoch; injected so tests can move time. */
export interface Clock {
  now(): number;
}

/** Cryptographically secure randomness. */
export interface Random {
  bytes(length: number): Buffer;
}

export interface User {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
  /** When a link sent to the address came back; until then it receives only verification messages. */
  emailVerifiedAt: number | null;
  /** The person asked for two-step verification, or it was reset: signing in leads to setting it up. */
  mfaSetupRequired: boolean;
  /**
   * When two-step verification was reset. Until the person proves the password and a code sent
   * to their verified address, no factor can be bound, so a stolen password is never enough.
   */
  mfaResetAt: number | null;
  /** When the account will be deleted, after the grace period the person asked for; signing in before then keeps it. */
  deletionDueAt: number | null;
  /** The first sign-in at which a policy required two-step verification of this person: the grace period starts there. */
  mfaEnforcedAt: number | null;
  /** Sign-ins made since then without two-step verification, counted against a grace of N sign-ins. */
  enforcedSignIns: number;
}

/**
 * Authentication method references: RFC 8176 values where one exists, and Tessera's own
 * `recovery_code` (a recovery code), `email` (a code sent by email, which NIST does not
 * count as out-of-band), `trusted_device` (the second step skipped on a trusted browser),
 * `magic_link` (an emailed sign-in link), `sso` (an upstream identity provider) and
 * `operator_code` (a code an operator gave a caller they verified).
 */
export type Amr =
  | 'pwd'
  | 'otp'
  | 'sms'
  | 'tel'
  | 'hwk'
  | 'swk'
  | 'user'
  | 'mfa'
  | 'recovery_code'
  | 'email'
  | 'trusted_device'
  | 'magic_link'
  | 'sso'
  | 'operator_code'
  | 'host';

/**
 * What a WebAuthn credential is, as registered: the security key or platform authenticator
 * (Touch ID, Windows Hello, Android) behind a `security_key` or `biometric` factor.
 */
export interface WebAuthnCredential {
  /** The credential ID the authenticator chose, base64url; unique across every account. */
  credentialId: string;
  /** The signature counter last seen; a later assertion must raise it unless both are zero. */
  signCount: number;
  /** How the browser can reach the authenticator: `usb`, `nfc`, `ble`, `hybrid`, `internal`. */
  transports: string[];
  /** The authenticator model, or all zeros when it was not disclosed. */
  aaguid: string;
  /** `platform` (built into the device) or `cross-platform` (a key or a phone), as the browser reported it. */
  attachment: 'platform' | 'cross-platform' | null;
  /** The person was verified (PIN or biometric) when the credential was created. */
  userVerified: boolean;
  /** The authenticator keeps the credential itself, so it can sign in without an email (a passkey). */
  discoverable: boolean;
  /** The credential may be synced to other devices (backup eligible); fixed at creation. */
  backupEligible: boolean;
  /** The credential is currently backed up, as its last use reported. */
  backedUp: boolean;
  /** The attestation format given at registration, e.g. `none`, `packed`, `fido-u2f`. */
  attestationFormat: string;
  /** When a signature counter went backwards, a sign of a cloned key; a flagged credential is refused. */
  flaggedAt: number | null;
}

/** A second factor bound to an account. Only complete enrollments are stored. */
export interface Factor {
  id: string;
  userId: string;
  kind: 'totp' | 'email' | 'phone' | 'security_key' | 'biometric';
  label: string;
  /**
   * What the factor rests on, sealed with the server key and the user and factor ids as
   * associated data: the TOTP secret, the email address codes are sent to, or a WebAuthn
   * credential's public key (sealed so that nobody can swap in a key of their own).
   */
  secretSealed: string;
  /** Keyed hash of that secret or address; the store refuses a second factor with the same one. */
  secretFingerprint: string;
  /** The last accepted TOTP time step; a code for this step or an earlier one is refused. */
  lastUsedStep: number | null;
  createdAt: number;
  lastUsedAt: number | null;
  /** The factor the challenge opens with; the others are offered under "Try another way". */
  primary: boolean;
  /** For `security_key` and `biometric` factors; null for the others. */
  webauthn: WebAuthnCredential | null;
}

/** Password done, second factor not yet: reaches nothing but the challenge. */
export interface PendingSignIn {
  id: string;
  /** Keyed hash of the token in the browser's pending cookie. */
  tokenHash: string;
  userId: string;
  amr: Amr[];
  /** The passkey that was the first factor, which cannot also be the second. */
  firstFactorId: string | null;
  /** The risk assessment that asked for the second step, marked completed when it is passed. */
  riskAssessmentId: string | null;
  createdAt: number;
  expiresAt: number;
}

/**
 * What a second-factor answer is for: one pending sign-in or one step-up. A code sent, or a key
 * challenge issued, for one of them answers nothing else.
 */
export interface ChallengeBinding {
  purpose: 'sign_in' | 'step_up';
  id: string;
  /** The passkey that was the first factor, which cannot also be the second. */
  firstFactorId: string | null;
}

/**
 * A protected action the person was asked to approve: pending until a second factor (or, for
 * people without one where allowed, the password) approves it, then the approval that later
 * requests of the same action in the same session may ride on, within the action's window.
 */
export interface StepUp {
  id: string;
  userId: string;
  sessionId: string;
  action: string;
  /** What exactly is approved, as shown to the person: "Withdraw £250.00 to account ••••1234". */
  details: string | null;
  /** SHA-256 of the details (hex), which the grant names; null without details. */
  detailsHash: string | null;
  createdAt: number;
  /** Until then it can be approved. */
  expiresAt: number;
  approvedAt: number | null;
  /** The methods that approved it. */
  amr: Amr[];
  /** The last request the approval covered, for sliding windows. */
  lastUsedAt: number | null;
}

export interface StepUpRepository {
  create(stepUp: StepUp): Promise<void>;
  /** The step-up of this session still waiting for approval at `now`. */
  findPending(id: string, sessionId: string, now: number): Promise<StepUp | undefined>;
  /** Approves a waiting step-up; false for every caller but the first, and once it expired. */
  approve(id: string, amr: Amr[], now: number): Promise<boolean>;
  /** The newest approval of `action` in the session. */
  latestApproval(sessionId: string, action: string): Promise<StepUp | undefined>;
  /** Records a request the approval covered, which moves a sliding window. */
  touch(id: string, now: number): Promise<void>;
  /** Deletes step-ups that expired without approval; returns how many. */
  pruneUnapproved(now: number): Promise<number>;
}

/** The signing keys of grants (and later ID tokens): Ed25519, the private half sealed. */
export interface SigningKey {
  kid: string;
  publicJwk: string;
  privateSealed: string;
  createdAt: number;
  /** What the key signs: step-up grants, or the OpenID Connect provider's ID tokens. */
  purpose: 'grant' | 'oidc';
}

export interface SigningKeyRepository {
  /** Every key for `purpose`, newest first; the newest signs, all of them verify. */
  list(purpose: SigningKey['purpose']): Promise<SigningKey[]>;
  create(key: SigningKey): Promise<void>;
}

/** What a grant says: this person, in this session, may do this action, with these details, until it expires. */
export interface GrantClaims {
  /** The person. */
  sub: string;
  /** The session that approved it. */
  sid: string;
  /** The protected action. */
  act: string;
  /** SHA-256 (hex) of the approved details, or null when there were none. */
  dh: string | null;
  /** How the person approved: the methods of the step-up, or of the session for a window. */
  amr: Amr[];
  /** Single use: redeem with POST /api/v1/grants/consume. */
  su: boolean;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

/** What the signed result of an MFA-only prompt tells the app, which exchanged its code for it. */
export interface PromptResultClaims {
  /** The app's own id of the person. */
  sub: string;
  /** Tessera's id of the person. */
  tsub: string;
  /** The app (its prompt `id`). */
  aud: string;
  /** The `jti` of the app's signed request this answers. */
  req: string;
  /** The approved protected action; null for a sign-in. */
  act: string | null;
  /** SHA-256 (hex) of the approved details, or null. */
  dh: string | null;
  amr: string[];
  acr: string;
  /** When the person passed the prompt, in seconds since the epoch. */
  auth_time: number;
  jti: string;
  iat: number;
  exp: number;
}

/** Signs grants as JWTs (EdDSA) and verifies them; the public keys are published as a JWKS. */
export interface GrantSigner {
  sign(claims: GrantClaims): Promise<string>;
  /** Signs a prompt's result with the same keys, as a `tessera-prompt-result+jwt`. */
  signPromptResult(claims: PromptResultClaims): Promise<string>;
  /** The claims of a grant this server signed and that is unexpired at `now`; undefined for anything else. */
  verify(token: string, now: number): Promise<GrantClaims | undefined>;
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
  /** Makes a new signing key, which signs from now on; the older ones stay published and keep verifying. */
  rotate(): Promise<string>;
}

export interface GrantRepository {
  /** Spends a single-use grant; true for exactly one caller, across instances. */
  consume(jti: string, now: number, expiresAt: number): Promise<boolean>;
}

export interface Session {
  id: string;
  userId: string;
  /** Keyed hash of the bearer token; the token itself is never stored. */
  tokenHash: string;
  aal: 1 | 2;
  amr: Amr[];
  authTime: number;
  mfaAt: number | null;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end of the session, fixed at sign-in. */
  expiresAt: number;
  /** Where and with what the person signed in, for the list of sessions. */
  ip: string | null;
  userAgent: string | null;
  /**
   * A policy requires two-step verification and the person has not set it up: the session
   * reaches setting it up and signing out, nothing else, until a method is added.
   */
  enrollmentOnly: boolean;
}

/** A browser the person chose to trust at the second step; its token lives in the device cookie. */
export interface TrustedDevice {
  id: string;
  userId: string;
  /** Keyed hash of the token; the token itself is never stored. */
  tokenHash: string;
  userAgent: string | null;
  createdIp: string;
  lastIp: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

export interface TrustedDeviceRepository {
  create(device: TrustedDevice): Promise<void>;
  /** The unexpired device whose token hash is one of the candidates. */
  findByTokenHash(candidates: string[], now: number): Promise<TrustedDevice | undefined>;
  touch(id: string, now: number, ip: string): Promise<void>;
  /** Stores the token's hash under the current key, once it was found under an older one. */
  rehash(id: string, tokenHash: string): Promise<void>;
  listForUser(userId: string, now: number): Promise<TrustedDevice[]>;
  /** Forgets one device of the user; false when the user has no such device. */
  delete(userId: string, id: string): Promise<boolean>;
  /** Forgets every device of the user; returns how many. */
  deleteAllForUser(userId: string): Promise<number>;
}

/** Where a request came from, as security events record it. */
export interface RequestOrigin {
  ip: string;
  /** The browser or client that made the request, as it described itself. */
  userAgent?: string;
}

/** A browser signing in: where it is, and the tokens of its cookies that the sign-in decision reads. */
export interface SignInClient extends RequestOrigin {
  /** The token of the browser's trusted-device cookie, if it has one. */
  deviceToken?: string;
  /** The token of the browser's device cookie, by which adaptive sign-in recognises a device it has seen. */
  browserToken?: string;
}

export interface SecurityEvent extends RequestOrigin {
  type:
    | 'sign_up'
    | 'sign_in'
    | 'sign_in_failed'
    | 'sign_out'
    | 'password_changed'
    | 'second_factor_failed'
    | 'totp_replay'
    | 'account_locked'
    | 'factor_added'
    | 'factor_removed'
    | 'mfa_disabled'
    | 'recovery_code_used'
    | 'recovery_codes_regenerated'
    | 'email_verified'
    | 'email_changed'
    | 'send_refused'
    | 'factor_renamed'
    | 'primary_factor_changed'
    | 'device_trusted'
    | 'device_revoked'
    | 'session_revoked'
    | 'mfa_setup_requested'
    | 'mfa_reset'
    | 'mfa_setup_unlocked'
    | 'webauthn_counter_regressed'
    | 'mfa_enabled'
    | 'step_up_approved'
    | 'account_deleted'
    | 'account_deletion_scheduled'
    | 'account_deletion_cancelled'
    | 'operator_code_issued'
    | 'account_unlocked'
    | 'org_policy_changed'
    | 'org_member_changed'
    | 'sign_in_assessed'
    | 'api_key_created'
    | 'api_key_revoked';
  userId: string | null;
  /** Whether what was tried succeeded; failures are what an attacker leaves behind. */
  outcome: 'success' | 'failure';
  at: number;
  detail?: Record<string, unknown>;
}

/** A security event waiting to be told to the person by email, with others of the same moment. */
export interface SecurityNotice {
  id: string;
  userId: string;
  /** Where it goes: the account's address at sending time when empty, or a given address (the old one after a change). */
  recipient: string;
  event: SecurityEvent;
}

/** Notices waiting to be emailed; taken atomically, so several instances never send one twice. */
export interface SecurityNoticeRepository {
  enqueue(notice: SecurityNotice): Promise<void>;
  /**
   * Person and recipient pairs with notices waiting (and not held until after `now`) and
   * nothing sent to them since `quietSince`, oldest waiting first.
   */
  listDue(now: number, quietSince: number, limit: number): Promise<{ userId: string; recipient: string }[]>;
  /** Marks every waiting notice of the pair handled at `now` and returns them; a second caller gets none. */
  take(userId: string, recipient: string, now: number): Promise<SecurityNotice[]>;
  /** Puts notices back to wait until `retryAt`, when their email could not be sent. */
  release(ids: string[], retryAt: number): Promise<void>;
  /** Forgets notices handled before `before`; returns how many. */
  pruneHandled(before: number): Promise<number>;
}

export interface UserRepository {
  /** Inserts the user; returns false when the email is already registered. */
  create(user: User): Promise<boolean>;
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
  markEmailVerified(id: string, at: number): Promise<void>;
  /** Records whether setup is due at sign-in and whether a reset still locks binding a factor. */
  setMfaSetup(id: string, state: { required: boolean; resetAt: number | null }): Promise<void>;
  /** Moves the account to a confirmed new address; false when another account has it. */
  changeEmail(id: string, email: string, verifiedAt: number): Promise<boolean>;
  /** Sets or clears the time the account is deleted. */
  scheduleDeletion(id: string, dueAt: number | null): Promise<void>;
  /** Accounts whose deletion is due at `now`. */
  listDueForDeletion(now: number, limit: number): Promise<User[]>;
  /** Deletes the account and everything it owns; false when it was already gone. */
  delete(id: string): Promise<boolean>;
  /** People in address order, `limit` of them after `afterEmail`. */
  list(limit: number, afterEmail?: string): Promise<User[]>;
  /** Counts a sign-in inside the enrollment grace period, starting it at `at` if it has not started. */
  countGraceSignIn(id: string, at: number): Promise<void>;
}

/** How an organization enforces two-step verification on its members. */
export interface OrgPolicy {
  /** `optional`, `required` of every member, or `roles`: required of members holding one of `roles`. */
  mfa: 'optional' | 'required' | 'roles';
  roles: string[];
  /** The kinds of factor that count, e.g. only `security_key` and `biometric` for staff; empty: any. */
  allowedMethods: Factor['kind'][];
  /** Days after the first sign-in under the requirement during which setting up can be postponed. */
  graceDays: number;
  /** Sign-ins during which setting up can be postponed. */
  graceSignIns: number;
  /**
   * When members with two-step verification are asked for it at sign-in; `inherit` (or absent,
   * in policies saved before it existed) follows the installation's `adaptive.policy`.
   */
  signInChallenge?: SignInChallengePolicy | 'inherit';
}

/** `always` asks at every sign-in, `adaptive` when the risk assessment's confidence is low enough, `off` never at sign-in. */
export type SignInChallengePolicy = 'always' | 'adaptive' | 'off';

export interface Organization {
  id: string;
  name: string;
  createdAt: number;
  policy: OrgPolicy;
}

/** A person's place in an organization: `owner`, `admin`, `member`, or a custom role such as `staff`. */
export interface Membership {
  orgId: string;
  userId: string;
  role: string;
  createdAt: number;
}

/** How many people were protected on one day, as the coverage dashboard draws it over time. */
export interface CoverageSnapshot {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  total: number;
  enrolled: number;
  /** People with at least one factor of each kind. */
  byMethod: Partial<Record<Factor['kind'], number>>;
  takenAt: number;
}

export interface CoverageSnapshotRepository {
  /** Keeps the day's snapshot, replacing an earlier one of the same day. */
  record(snapshot: CoverageSnapshot): Promise<void>;
  /** When the day's snapshot was taken, if it was. */
  takenAt(day: string): Promise<number | undefined>;
  /** Snapshots from `fromDay` on, oldest first. */
  since(fromDay: string): Promise<CoverageSnapshot[]>;
  /** Today's figures for the whole installation, counted by the database in a few queries. */
  countNow(): Promise<Omit<CoverageSnapshot, 'day' | 'takenAt'>>;
}

/** Links a person to their identity at an upstream provider. */
export interface FederatedIdentityRepository {
  findUserId(provider: string, subject: string): Promise<string | undefined>;
  link(identity: { provider: string; subject: string; userId: string; createdAt: number }): Promise<void>;
}

export interface OrganizationRepository {
  create(org: Organization): Promise<void>;
  findById(id: string): Promise<Organization | undefined>;
  setPolicy(id: string, policy: OrgPolicy): Promise<boolean>;
  /** Adds the person, or changes their role. */
  putMember(membership: Membership): Promise<void>;
  removeMember(orgId: string, userId: string): Promise<boolean>;
  /** Every organization the person belongs to, with their role in it. */
  membershipsOf(userId: string): Promise<{ org: Organization; role: string }[]>;
  /** The ids of the people in any of these organizations. */
  memberIdsOf(orgIds: string[]): Promise<string[]>;
  /** Every organization, by name. */
  list(): Promise<Organization[]>;
}

export interface SessionRepository {
  create(session: Session): Promise<void>;
  /** The session whose token hash is one of the candidates (one per key id). */
  findByTokenHash(candidates: string[]): Promise<Session | undefined>;
  touch(id: string, lastSeenAt: number): Promise<void>;
  /** Stores the token's hash under the current key, once it was found under an older one. */
  rehash(id: string, tokenHash: string): Promise<void>;
  /**
   * Records a second factor passed in this session, under a new token: aal 2 from now, fresh as
   * of `mfaAt`, its methods added to the session's `amr` (each once).
   */
  raiseAssurance(id: string, tokenHash: string, mfaAt: number, amr: Amr[]): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ends every session of the user except the one given. */
  deleteOthers(userId: string, keepSessionId: string): Promise<number>;
  /** Ends every session of the user. */
  deleteAllForUser(userId: string): Promise<number>;
  /** The user's sessions that have not reached their absolute end, most recently seen first. */
  listForUser(userId: string, now: number): Promise<Session[]>;
  /** Ends one session of the user; false when the user has no such session. */
  deleteForUser(userId: string, id: string): Promise<boolean>;
  /** Opens every enrollment-only session of the user to the whole account, once a method is set up. */
  liftEnrollmentOnly(userId: string): Promise<void>;
  /** Deletes sessions past their absolute end or idle since before `idleSince` (with their step-ups); returns how many. */
  deleteExpired(now: number, idleSince: number): Promise<number>;
  /** Sessions before their absolute end and seen since `idleSince`. */
  countActive(now: number, idleSince: number): Promise<number>;
}

export interface ThrottleRepository {
  /**
   * Atomically counts one attempt against `key` unless it is blocked at `now`; the attempt is
   * reset by `clear` when it succeeds. `blockFor(failures)` gives how long the next attempt
   * must wait after that many failures.
   */
  claim(
    key: string,
    now: number,
    blockFor: (failures: number) => number,
  ): Promise<{ allowed: true; failures: number } | { allowed: false; blockedUntil: number }>;
  clear(key: string): Promise<void>;
}

export interface FactorRepository {
  listForUser(userId: string): Promise<Factor[]>;
  /**
   * Stores a completed enrollment and, when given, replaces the user's recovery codes, in one
   * transaction: either both are there or neither is. False when the user already has a factor
   * with the same secret fingerprint.
   */
  create(factor: Factor, recoveryCodeHashes: string[] | null): Promise<boolean>;
  /** Records `step` as used if it is later than the last accepted step; false means a replay. */
  acceptTotpStep(factorId: string, step: number, now: number): Promise<boolean>;
  /** Removes one factor of the user; removing the last one also removes the recovery codes. */
  delete(userId: string, factorId: string): Promise<boolean>;
  /** Makes one factor of the user the primary one, and no other; false when the user has no such factor. */
  setPrimary(userId: string, factorId: string): Promise<boolean>;
  /** Renames one factor of the user; false when the user has no such factor. */
  rename(userId: string, factorId: string, label: string): Promise<boolean>;
  /** The `security_key` or `biometric` factor holding this WebAuthn credential, whoever owns it. */
  findByCredentialId(credentialId: string): Promise<Factor | undefined>;
  /**
   * Records a WebAuthn assertion if its signature counter is higher than the stored one (or
   * both are zero, for authenticators without a counter); false means the counter did not
   * increase, and nothing was written.
   */
  acceptSignCount(factorId: string, signCount: number, backedUp: boolean, now: number): Promise<boolean>;
  /** Marks a WebAuthn credential as possibly cloned; it is refused from then on. */
  flagCredential(factorId: string, now: number): Promise<void>;
}

/** A WebAuthn challenge issued to a browser, stored as a keyed hash and bound to what it is for. */
export interface WebAuthnChallenge {
  id: string;
  /** Keyed hash of the challenge; the challenge itself comes back inside the signed client data. */
  challengeHash: string;
  /**
   * `register`: adds a `security_key` or `biometric` factor to `userId`; `sign_in`: answers
   * `pendingSignInId`'s second factor; `reauthenticate`: proves `userId` is present for a
   * sensitive change; `passkey`: signs someone in without an email, so it has no user yet;
   * `step_up`: approves the step-up in `pendingSignInId`.
   */
  purpose: 'register' | 'sign_in' | 'reauthenticate' | 'passkey' | 'step_up';
  userId: string | null;
  pendingSignInId: string | null;
  /** For `register`: the kind of factor being added. */
  kind: 'security_key' | 'biometric' | null;
  createdAt: number;
  expiresAt: number;
}

export interface WebAuthnChallengeRepository {
  create(challenge: WebAuthnChallenge): Promise<void>;
  /** Deletes and returns the unexpired challenge matching one of the candidate hashes; one caller gets it. */
  consume(candidates: string[], now: number): Promise<WebAuthnChallenge | undefined>;
}

export interface RecoveryCodeRepository {
  /** Replaces every recovery code of the user with these keyed hashes. */
  replace(userId: string, codeHashes: string[], now: number): Promise<void>;
  /** Marks the unused code matching one of the candidate hashes as used; false when none is left. */
  consume(userId: string, candidates: string[], now: number): Promise<boolean>;
  countUnused(userId: string): Promise<number>;
}

export interface PendingSignInRepository {
  /** Stores the pending sign-in, clearing the same user's expired ones. */
  create(pending: PendingSignIn): Promise<void>;
  findByTokenHash(candidates: string[], now: number): Promise<PendingSignIn | undefined>;
  /** Deletes the pending sign-in if it is still there and unexpired; true for exactly one caller. */
  consume(id: string, now: number): Promise<boolean>;
}

/** A code sent by email (later SMS or voice), stored as a keyed hash and bound to what it was sent for. */
export interface OobChallenge {
  id: string;
  userId: string;
  /**
   * `sign_in`: completes one pending sign-in; `enroll_email`: turns email codes on;
   * `enroll_phone`: proves a phone number; `verify_email`: the link that verifies the account's
   * address; `change_email`: the link that moves the account to a new address; `unlock_setup`:
   * the code that, with the password, lets a person set up a factor again after a reset;
   * `magic_link`: the emailed link that signs in; `password_reset`: the emailed link that sets a
   * new password; `step_up`: approves one step-up; `operator_code`: a code an operator gave a
   * caller they verified, which stands in for the second factor at sign-in.
   */
  purpose:
    | 'sign_in'
    | 'enroll_email'
    | 'enroll_phone'
    | 'verify_email'
    | 'change_email'
    | 'unlock_setup'
    | 'magic_link'
    | 'password_reset'
    | 'step_up'
    | 'operator_code';
  /** The pending sign-in a `sign_in` code, or the step-up a `step_up` code, was sent for; null for enrollment. */
  pendingSignInId: string | null;
  /** The factor the code went through; null for enrollment. */
  factorId: string | null;
  codeHash: string;
  /** The new address of an email change, or the address or number being enrolled, sealed with the challenge id as associated data. */
  payloadSealed: string | null;
  /** How the code went out. */
  channel: OutboundMessage['channel'];
  attempts: number;
  createdAt: number;
  expiresAt: number;
}

export interface OobChallengeRepository {
  /** Stores the challenge, replacing any earlier one for the same user, purpose and pending sign-in. */
  replace(challenge: OobChallenge): Promise<void>;
  /** The live challenge for this user, purpose and pending sign-in, if any. */
  find(
    userId: string,
    purpose: OobChallenge['purpose'],
    pendingSignInId: string | null,
    now: number,
  ): Promise<OobChallenge | undefined>;
  findById(id: string, now: number): Promise<OobChallenge | undefined>;
  /** Counts one attempt unless the cap is reached or the challenge expired; false when no attempt is left. */
  claimAttempt(id: string, maxAttempts: number, now: number): Promise<boolean>;
  /** Deletes the challenge; true for exactly one caller. */
  consume(id: string): Promise<boolean>;
  /** Records that a code was sent, for cooldowns, hourly caps and the toll-fraud budgets. */
  recordSend(send: CodeSend): Promise<void>;
  /** What was sent since `since` that the limits of a new send to `send.destinationHash` depend on. */
  countSends(send: Omit<CodeSend, 'at'>, since: { hour: number; day: number }): Promise<SendCounts>;
}

export interface CodeSend {
  userId: string;
  destinationHash: string;
  purpose: OobChallenge['purpose'];
  channel: OutboundMessage['channel'];
  /** ISO country of a phone number; null for email. */
  country: string | null;
  at: number;
}

export interface SendCounts {
  /** Sends by this user in the last hour, any purpose. */
  byUser: number;
  /** Sends to this destination in the last hour, by anyone. */
  toDestination: number;
  /** This user's last send for the same purpose, for the resend cooldown; 0 when none. */
  lastAt: number;
  /** Texts and calls to this country in the last hour, by anyone. */
  toCountry: number;
  /** Texts and calls in the last hour, in total. */
  phoneTotal: number;
  /** Other numbers this user sent codes to in the last day. */
  otherNumbersToday: number;
}

/** The per-account budget of wrong second-factor codes, shared by every factor. */
export interface LockoutRepository {
  /**
   * Atomically counts one attempt unless the account is locked at `now`; the count that
   * reaches `maxFailures` locks the account until `now + lockMs`. A lock that has ended starts
   * a new count.
   */
  claim(
    userId: string,
    now: number,
    maxFailures: number,
    lockMs: number,
  ): Promise<{ allowed: true; failures: number } | { allowed: false; lockedUntil: number }>;
  reset(userId: string): Promise<void>;
  lockedUntil(userId: string): Promise<number>;
}

/** Which events the log shows; every field narrows it. */
export interface EventFilter {
  /** Only these people's events; undefined: everyone's. */
  userIds?: string[];
  type?: SecurityEvent['type'];
  outcome?: SecurityEvent['outcome'];
  /** From this time, inclusive, and before `to`. */
  from?: number;
  to?: number;
}

export interface EventRepository {
  record(event: SecurityEvent): Promise<void>;
  /** Refused password or passkey sign-ins from `ip` since `since` to accounts other than `exceptUserId`, unknown ones included. */
  countFailedSignInsFrom(ip: string, since: number, exceptUserId: string): Promise<number>;
  listForUser(userId: string, limit: number): Promise<SecurityEvent[]>;
  /** The newest `limit` events that pass the filter, newest first. */
  search(filter: EventFilter, limit: number): Promise<SecurityEvent[]>;
}

/** A message the development outbox kept instead of sending it. */
export interface OutboxMessage extends OutboundMessage {
  id: string;
  createdAt: number;
}

/** The development outbox: messages kept in the database, so every instance and restart sees them. */
export interface OutboxRepository {
  record(message: OutboundMessage, at: number): Promise<void>;
  /** The newest `limit` messages, newest first. */
  latest(limit: number): Promise<OutboxMessage[]>;
}

/** One record of the OpenID Connect provider, kept as its adapter contract shapes it. */
export interface OidcPayloadRepository {
  upsert(
    model: string,
    id: string,
    record: { payload: string; grantId?: string; userCode?: string; uid?: string; expiresAt: number | null },
  ): Promise<void>;
  /** The record and when it was consumed, unless it has expired at `now`. */
  find(model: string, id: string, now: number): Promise<{ payload: string; consumedAt: number | null } | undefined>;
  findBy(
    model: string,
    field: 'uid' | 'userCode',
    value: string,
    now: number,
  ): Promise<{ payload: string; consumedAt: number | null } | undefined>;
  consume(model: string, id: string, at: number): Promise<void>;
  destroy(model: string, id: string): Promise<void>;
  /** Forgets every record issued under the grant. */
  revokeByGrantId(grantId: string): Promise<void>;
  /** Every unexpired record of `model`, by id. */
  list(model: string, now: number): Promise<{ id: string; payload: string }[]>;
}

/**
 * What a webhook subscription can hear about, drawn from the security events; the closed list
 * is documented in docs/webhooks.md.
 */
export type WebhookEventType =
  | 'factor.added'
  | 'factor.removed'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.reset'
  | 'account.locked'
  | 'sign_in.risky'
  | 'recovery_code.used';

/** Where security events are posted as signed JSON. */
export interface WebhookSubscription {
  id: string;
  /** https, or http on a loopback address outside production. */
  url: string;
  /** The organization whose members' events it hears; null for everyone's. */
  orgId: string | null;
  eventTypes: WebhookEventType[];
  /** The signing secret, sealed with the subscription id as associated data. */
  secretSealed: string;
  createdAt: number;
  /** Once set, nothing more is sent to it. */
  disabledAt: number | null;
}

export interface WebhookSubscriptionRepository {
  create(subscription: WebhookSubscription): Promise<void>;
  findById(id: string): Promise<WebhookSubscription | undefined>;
  /** Every subscription, disabled ones too, oldest first. */
  list(): Promise<WebhookSubscription[]>;
  /** The live subscriptions that hear a person's events: the instance's, and those of the organizations they belong to. */
  listeningTo(userId: string): Promise<WebhookSubscription[]>;
  /** Stops sending to it and gives up its pending deliveries; false when there is no such live subscription. */
  disable(id: string, at: number): Promise<boolean>;
  /** Forgets it with its deliveries; false when there is no such subscription. */
  delete(id: string): Promise<boolean>;
  /** Replaces the sealed secret if it is still `from`; false when it changed meanwhile (or the subscription is gone). */
  reseal(id: string, from: string, to: string): Promise<boolean>;
}

/** One event on its way to one subscription. */
export interface WebhookDelivery {
  id: string;
  subscriptionId: string;
  eventType: WebhookEventType;
  /** The JSON body, the same at every attempt. */
  payload: string;
  /** Attempts started, the one running included. */
  attempts: number;
  /** When it may be tried next; while an attempt runs, the end of that attempt's lease. */
  nextAttemptAt: number;
  status: 'pending' | 'delivered' | 'failed';
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  createdAt: number;
}

/** How an attempt ended, as its lease holder records it. */
export type WebhookAttemptOutcome = Pick<
  WebhookDelivery,
  'status' | 'nextAttemptAt' | 'lastStatusCode' | 'lastError' | 'deliveredAt'
>;

/** Deliveries waiting, leased and done; leased atomically, so several instances never send one attempt twice. */
export interface WebhookDeliveryRepository {
  enqueue(deliveries: WebhookDelivery[]): Promise<void>;
  /**
   * Runs `work` so that, when it throws, only its own writes are undone: inside a transaction
   * they go back to a savepoint and the transaction carries on. The error is rethrown.
   */
  isolated<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Leases up to `limit` pending deliveries due at `now` (those due longest first) until
   * `leaseUntil`: their next attempt moves there and their attempts go up by one. Each goes to
   * one caller only, across instances; they come back in the order they were queued.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<WebhookDelivery[]>;
  /** Records how a leased attempt ended; false when the lease `leaseUntil` is no longer the delivery's (another holder took over). */
  settle(id: string, leaseUntil: number, outcome: WebhookAttemptOutcome): Promise<boolean>;
  /** The subscription's newest `limit` deliveries, newest first. */
  listForSubscription(subscriptionId: string, limit: number): Promise<WebhookDelivery[]>;
  /** Forgets delivered and failed deliveries made before `before`; returns how many. */
  pruneSettled(before: number): Promise<number>;
}

/** Where an IP address is, as a city-level geolocation database places it. */
export interface GeoLocation {
  city: string | null;
  /** ISO 3166-1 alpha-2 code, e.g. `GB`. */
  country: string | null;
  latitude: number;
  longitude: number;
}

/** Looks IP addresses up in a geolocation database; undefined for private addresses and unknown ones. */
export interface GeoIp {
  locate(ip: string): Promise<GeoLocation | undefined>;
  /** The credit the database's licence asks for wherever its places are shown; none for the operator's own files. */
  credit?: { text: string; url: string };
}

/** Address lists the operator does not trust (anonymising proxies, known attackers). */
export interface UntrustedNetworks {
  /** The name of the list that holds `ip`, if one does. */
  listing(ip: string): string | undefined;
}

/** One risk assessor's finding: how strongly it points at someone else, and why. */
export interface RiskSignal {
  assessor: 'new_device' | 'impossible_travel' | 'untrusted_ip';
  /** 0 (nothing unusual) to 1 (the full signal). */
  strength: number;
  /** What was seen, in words an administrator reads in the event log. */
  evidence: string;
}

export type RiskConfidence = 'high' | 'medium' | 'low';

/** What was known about a sign-in when its first factor passed, and what was decided. */
export interface RiskAssessment {
  id: string;
  userId: string;
  at: number;
  ip: string;
  /** Keyed hash of the browser's device cookie. */
  deviceHash: string;
  /** The browser and system without versions, e.g. "Chrome on Windows". */
  browserFamily: string;
  location: GeoLocation | null;
  signals: RiskSignal[];
  score: number;
  confidence: RiskConfidence;
  /** `challenged`, or why not: `not_challenged`, `trusted_device`, `multi_factor`, `no_second_factor`. */
  decision: 'challenged' | 'not_challenged' | 'trusted_device' | 'multi_factor' | 'no_second_factor';
  /** When the sign-in it assessed produced a session; until then it is no evidence of the person. */
  completedAt: number | null;
}

/** Assessed sign-ins: the memory of which devices and places a person signs in from. */
export interface RiskAssessmentRepository {
  create(assessment: RiskAssessment): Promise<void>;
  markCompleted(id: string, at: number): Promise<void>;
  /**
   * Whether a completed sign-in since `since` came from this browser family and, where given,
   * this device cookie (any of its candidate hashes) or this IP address.
   */
  seenSince(
    userId: string,
    seen: { browserFamily: string; deviceHashes?: string[]; ip?: string },
    since: number,
  ): Promise<boolean>;
  /** The newest completed sign-in with a known location. */
  lastLocated(userId: string): Promise<{ at: number; location: GeoLocation } | undefined>;
  /** Forgets assessments made before `before`; returns how many. */
  pruneBefore(before: number): Promise<number>;
}

/** People a host app registered under its own user id, each linked to one Tessera account. */
export interface HostPeopleRepository {
  /** Links the app's id to the account; false when the id is linked already. */
  link(externalId: string, userId: string, at: number): Promise<boolean>;
  findUserId(externalId: string): Promise<string | undefined>;
}

/** How a person got through an MFA-only prompt, as the signed result tells the app. */
export interface PromptOutcome {
  amr: Amr[];
  acr: string;
  /** When the person passed the prompt's second step (or its sign-in), in ms. */
  authTime: number;
  /** SHA-256 (hex) of the approved details, for an action; null for a sign-in. */
  detailsHash: string | null;
}

/** An app's MFA-only prompt for one person, from its signed request until the app exchanges the code. */
export interface Prompt {
  id: string;
  /** Keyed hash of the token in the browser's prompt cookie. */
  tokenHash: string;
  appId: string;
  userId: string;
  /** The app's own id of the person. */
  externalId: string;
  /** The signed request's `jti`, which the result repeats. */
  requestId: string;
  /** The protected action to approve; null for a sign-in. */
  action: string | null;
  details: string | null;
  returnTo: string;
  /** The app's own value, handed back on the return address. */
  state: string | null;
  createdAt: number;
  expiresAt: number;
  outcome: PromptOutcome | null;
}

export interface PromptRepository {
  create(prompt: Prompt): Promise<void>;
  /** The prompt behind a browser's prompt cookie, while it is unexpired and has no outcome. */
  findOpen(tokenHashes: string[], now: number): Promise<Prompt | undefined>;
  /** Records the outcome and the code's keyed hash, once: false when the prompt has one already. */
  complete(id: string, outcome: PromptOutcome, codeHash: string, codeExpiresAt: number): Promise<boolean>;
  /** Spends a code once, also under parallel calls: the prompt it belongs to, if unspent and unexpired. */
  exchange(codeHashes: string[], now: number): Promise<Prompt | undefined>;
}

/** A key for server-to-server calls, sent as `Authorization: Bearer id.secret`; only its keyed hash is kept. */
export interface ApiKey {
  /** `key_` and 128 random bits; the part of the token before the dot. */
  id: string;
  /** What the key is for, as the administrator named it. */
  name: string;
  /** Keyed hash of the id and secret; a copy of the database alone cannot make a working key. */
  secretHash: string;
  scopes: ApiScope[];
  createdAt: number;
  /** The last request made with the key, written at most once a minute; null before the first. */
  lastUsedAt: number | null;
  /** Once set, the key is refused. */
  revokedAt: number | null;
  /** The id of the administrator who created it, or `cli`. */
  createdBy: string;
}

export interface ApiKeyRepository {
  create(key: ApiKey): Promise<void>;
  /** The key with this id, revoked or not. */
  findById(id: string): Promise<ApiKey | undefined>;
  /** The key with this id unless it is revoked. */
  findActive(id: string): Promise<ApiKey | undefined>;
  /** Every key, revoked ones too, newest first. */
  list(): Promise<ApiKey[]>;
  /** Records a request made with the key at `now`. */
  touch(id: string, now: number): Promise<void>;
  /** Stores the secret's hash under the current server key, once it was found under an older one. */
  rehash(id: string, secretHash: string): Promise<void>;
  /** Revokes the key at `now`; false when there is no such key or it was revoked already (its time stays). */
  revoke(id: string, now: number): Promise<boolean>;
}

/** Storage of everything Tessera keeps; SQLite and PostgreSQL implement the same contract. */
export interface Store {
  /** Runs `work` against a store whose writes all commit together, or not at all if it throws. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
  users: UserRepository;
  sessions: SessionRepository;
  throttles: ThrottleRepository;
  events: EventRepository;
  factors: FactorRepository;
  recoveryCodes: RecoveryCodeRepository;
  pendingSignIns: PendingSignInRepository;
  lockout: LockoutRepository;
  oobChallenges: OobChallengeRepository;
  webauthnChallenges: WebAuthnChallengeRepository;
  trustedDevices: TrustedDeviceRepository;
  outbox: OutboxRepository;
  securityNotices: SecurityNoticeRepository;
  stepUps: StepUpRepository;
  signingKeys: SigningKeyRepository;
  grants: GrantRepository;
  webhookSubscriptions: WebhookSubscriptionRepository;
  webhookDeliveries: WebhookDeliveryRepository;
  organizations: OrganizationRepository;
  federatedIdentities: FederatedIdentityRepository;
  coverageSnapshots: CoverageSnapshotRepository;
  riskAssessments: RiskAssessmentRepository;
  keys: KeyUsageRepository;
  oidcPayloads: OidcPayloadRepository;
  apiKeys: ApiKeyRepository;
  hostPeople: HostPeopleRepository;
  prompts: PromptRepository;
}

/** A secret kept sealed, as key rotation reads and rewrites it. */
export interface SealedRow {
  /** The row: a factor's id, or a signing key's kid. */
  id: string;
  /** The owner the seal is bound to: the factor's user, or the signing key's kid. */
  owner: string;
  sealed: string;
}

/** Where the server keys are in use, for rotating them and for knowing when an old one can go. */
export interface KeyUsageRepository {
  /** Sealed factor secrets and signing keys after `afterId` (in id order) of `kind`, `limit` at a time. */
  sealedBatch(kind: 'factor' | 'signing_key', afterId: string, limit: number): Promise<SealedRow[]>;
  /** Replaces a sealed value if it is still `from`; false when it changed meanwhile (or the row is gone). */
  reseal(kind: 'factor' | 'signing_key', id: string, from: string, to: string): Promise<boolean>;
  /**
   * For each kept value (sealed secrets and long-lived keyed hashes), how many rows each of
   * `keyIds` made, and how many another key made (`another key`, when there are any).
   */
  keyIdsInUse(keyIds: string[]): Promise<Record<string, Record<string, number>>>;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** HMAC-SHA256 under the server keys; every hash carries the id of the key that made it. */
export interface KeyedHasher {
  hash(value: string): string;
  /** One hash per known key, for looking a value up while keys rotate. */
  candidates(value: string): string[];
}

/** AES-256-GCM under the current server key; the associated data binds a secret to its owner. */
export interface SecretBox {
  seal(plaintext: string, associatedData: string): string;
  /** The plaintext, or undefined when the value was altered, moved to another owner or its key is gone. */
  open(sealed: string, associatedData: string): string | undefined;
  /** Whether `sealed` was sealed under the current key, which writes everything new. */
  sealedWithCurrentKey(sealed: string): boolean;
}

/** Per-source request budget (per IP address), shared by every instance through the store. */
/** What the core tells operators, as counters; the HTTP layer serves them to Prometheus. */
export interface Metrics {
  /**
   * One second-factor answer: `factor` is the method that matched (`otp`, `email`, `sms`, `tel`,
   * `webauthn`, `recovery_code`, `operator_code`) or, for a refused one, the kind of answer
   * (`code`, `webauthn`, `recovery_code`).
   */
  verification(factor: string, result: 'success' | 'failure'): void;
  /** An account locked after too many wrong answers. */
  lockout(): void;
}

/** Where the core tells operators of a failure it carried on after; pino's logger is one. */
export interface Log {
  error(details: Record<string, unknown>, message: string): void;
}

export interface RateLimiter {
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
}

/** A message to a person's email address or phone. */
export interface OutboundMessage {
  channel: 'email' | 'sms' | 'voice';
  /** An email address, or a phone number in E.164. */
  to: string;
  /** What the message is for, e.g. `email_verification` or `sign_in_code`: for logs and the outbox. */
  purpose: string;
  /** The email subject; ignored for SMS and voice. */
  subject: string;
  /** The whole message as plain text; email providers also render it into the branded HTML template. */
  text: string;
}

/** Sends messages through the configured providers of each channel, falling over from one to the next. */
export interface Delivery {
  /**
   * Sends one message. Never throws for a provider failure: it resolves `delivered: false` and
   * the attempt is logged (provider, outcome, latency), so callers can show people a plain
   * "we couldn't send the code" and never a provider's error.
   */
  send(message: OutboundMessage): Promise<{ delivered: boolean; provider: string }>;
}
