import type { Generated } from 'kysely';

/** Table shapes as Kysely sees them; times are milliseconds since the epoch. */
export interface Database {
  users: {
    id: string;
    email: string;
    password_hash: string;
    created_at: number;
    mfa_failures: Generated<number>;
    mfa_locked_until: Generated<number>;
    email_verified_at: number | null;
    /** 1 when the next sign-in must lead through setting up a second factor. */
    mfa_setup_required: Generated<number>;
    mfa_reset_at: number | null;
    deletion_due_at: number | null;
    mfa_enforced_at: number | null;
    enforced_sign_ins: Generated<number>;
  };
  sessions: {
    id: string;
    user_id: string;
    token_hash: string;
    aal: number;
    /** JSON array of RFC 8176 method references. */
    amr: string;
    auth_time: number;
    mfa_at: number | null;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
    ip: string | null;
    user_agent: string | null;
    enrollment_only: Generated<number>;
  };
  attempt_throttles: {
    key: string;
    failures: number;
    blocked_until: number;
    updated_at: number;
  };
  security_events: {
    id: string;
    type: string;
    user_id: string | null;
    ip: string;
    at: number;
    user_agent: string | null;
    outcome: Generated<string>;
    /** JSON object, or null. */
    detail: string | null;
  };
  security_notices: {
    id: string;
    user_id: string;
    /** Empty for the account's address at sending time, or the address to write to. */
    recipient: string;
    type: string;
    ip: string;
    user_agent: string | null;
    outcome: string;
    at: number;
    /** JSON object, or null. */
    detail: string | null;
    /** When the notice was sent or dropped; null while it waits. */
    handled_at: number | null;
    /** After a failed send, the notice waits until then. */
    not_before: number | null;
  };
  factors: {
    id: string;
    user_id: string;
    kind: string;
    label: string;
    secret_sealed: string;
    /** Keyed hash of the secret: the unique index stops one secret being enrolled twice. */
    secret_fingerprint: string;
    last_used_step: number | null;
    created_at: number;
    last_used_at: number | null;
    /** 1 for the factor the challenge opens with; at most one per user. */
    is_primary: Generated<number>;
  };
  recovery_codes: {
    id: string;
    user_id: string;
    code_hash: string;
    created_at: number;
    used_at: number | null;
  };
  pending_sign_ins: {
    id: string;
    token_hash: string;
    user_id: string;
    /** JSON array of the methods already passed. */
    amr: string;
    first_factor_id: string | null;
    risk_assessment_id: string | null;
    created_at: number;
    expires_at: number;
  };
  /** One row per `security_key` or `biometric` factor; its public key is the factor's sealed secret. */
  webauthn_credentials: {
    factor_id: string;
    credential_id: string;
    sign_count: number;
    /** JSON array of transport names. */
    transports: string;
    aaguid: string;
    attachment: string | null;
    /** Booleans are 0 or 1, the same on SQLite and PostgreSQL. */
    user_verified: number;
    discoverable: number;
    backup_eligible: number;
    backed_up: number;
    attestation_format: string;
    flagged_at: number | null;
  };
  trusted_devices: {
    id: string;
    user_id: string;
    /** Keyed hash of the token in the browser's device cookie. */
    token_hash: string;
    user_agent: string | null;
    created_ip: string;
    last_ip: string;
    created_at: number;
    last_used_at: number;
    expires_at: number;
  };
  webauthn_challenges: {
    id: string;
    /** Keyed hash of the challenge; the challenge itself is never stored. */
    challenge_hash: string;
    purpose: string;
    user_id: string | null;
    pending_sign_in_id: string | null;
    kind: string | null;
    created_at: number;
    expires_at: number;
  };
  oob_challenges: {
    id: string;
    user_id: string;
    purpose: string;
    pending_sign_in_id: string | null;
    factor_id: string | null;
    /** Keyed hash of the code; the code itself is never stored. */
    code_hash: string;
    /** What the challenge carries, sealed: the new address of an email change. */
    payload_sealed: string | null;
    channel: Generated<string>;
    attempts: number;
    created_at: number;
    expires_at: number;
  };
  code_sends: {
    id: string;
    user_id: string;
    /** Keyed hash of the address or number, so caps hold per destination without storing it again. */
    destination_hash: string;
    purpose: string;
    channel: Generated<string>;
    /** ISO country of a phone number; null for email. */
    country: string | null;
    sent_at: number;
  };
  step_ups: {
    id: string;
    user_id: string;
    session_id: string;
    action: string;
    details: string | null;
    details_hash: string | null;
    created_at: number;
    expires_at: number;
    approved_at: number | null;
    /** JSON array of the methods that approved it. */
    amr: string;
    last_used_at: number | null;
  };
  signing_keys: {
    kid: string;
    public_jwk: string;
    /** The private JWK, sealed with the key id as associated data. */
    private_sealed: string;
    created_at: number;
    /** `grant` (step-up grants, Ed25519) or `oidc` (ID tokens, RS256). */
    purpose: Generated<string>;
  };
  /** oidc-provider's own records (sessions, codes, tokens, grants, interactions) as its adapter shapes them. */
  oidc_payloads: {
    model: string;
    id: string;
    /** JSON of the record. */
    payload: string;
    grant_id: string | null;
    user_code: string | null;
    uid: string | null;
    expires_at: number | null;
    consumed_at: number | null;
  };
  /** People a host app registered by its own user id. */
  host_people: {
    external_id: string;
    user_id: string;
    created_at: number;
  };
  /** MFA-only prompts, from the app's signed request until it exchanges the code. */
  prompts: {
    id: string;
    token_hash: string;
    app_id: string;
    user_id: string;
    external_id: string;
    request_id: string;
    action: string | null;
    details: string | null;
    return_to: string;
    state: string | null;
    created_at: number;
    expires_at: number;
    /** JSON of the outcome once the person got through. */
    result: string | null;
    code_hash: string | null;
    code_expires_at: number | null;
    exchanged_at: number | null;
  };
  consumed_grants: {
    jti: string;
    consumed_at: number;
    expires_at: number;
  };
  organizations: {
    id: string;
    name: string;
    created_at: number;
    /** JSON of the org's two-step verification policy. */
    policy: string;
  };
  memberships: {
    org_id: string;
    user_id: string;
    role: string;
    created_at: number;
  };
  coverage_snapshots: {
    day: string;
    total: number;
    enrolled: number;
    /** JSON: people with each kind of factor. */
    by_method: string;
    taken_at: number;
  };
  federated_identities: {
    provider: string;
    subject: string;
    user_id: string;
    created_at: number;
  };
  outbox_messages: {
    id: string;
    channel: string;
    to_address: string;
    purpose: string;
    subject: string;
    text: string;
    created_at: number;
  };
  /** Where security events are posted, signed; for the whole instance or one organization's members. */
  webhook_subscriptions: {
    id: string;
    url: string;
    /** Null: everyone's events. */
    org_id: string | null;
    /** JSON array of webhook event types. */
    event_types: string;
    /** The signing secret, sealed with the subscription id as associated data. */
    secret_sealed: string;
    created_at: number;
    disabled_at: number | null;
  };
  /** One event for one subscription, until it is delivered or given up on. */
  webhook_deliveries: {
    id: string;
    subscription_id: string;
    event_type: string;
    /** The JSON body, the same at every attempt. */
    payload: string;
    attempts: Generated<number>;
    /** When it may be tried next; while an attempt runs, the end of its lease. */
    next_attempt_at: number;
    /** `pending`, `delivered` or `failed`. */
    status: string;
    last_status_code: number | null;
    last_error: string | null;
    delivered_at: number | null;
    created_at: number;
  };
  /** One row per assessed sign-in; completed ones are the person's known devices and places. */
  risk_assessments: {
    id: string;
    user_id: string;
    at: number;
    ip: string;
    device_hash: string;
    browser_family: string;
    city: string | null;
    country: string | null;
    latitude: number | null;
    longitude: number | null;
    /** JSON array of the signals, with their evidence. */
    signals: string;
    score: number;
    confidence: string;
    decision: string;
    completed_at: number | null;
  };
  /** Keys for server-to-server calls; the secret itself is never stored. */
  api_keys: {
    id: string;
    name: string;
    /** Keyed hash of the id and secret, prefixed with the server key's id. */
    secret_hash: string;
    /** JSON array of scope names. */
    scopes: string;
    created_at: number;
    last_used_at: number | null;
    revoked_at: number | null;
    /** The administrator's user id, or `cli`. */
    created_by: string;
  };
}
