/** Table shapes as Kysely sees them; times are milliseconds since the epoch. */
export interface Database {
  users: {
    id: string;
    email: string;
    password_hash: string;
    created_at: number;
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
    /** JSON object, or null. */
    detail: string | null;
  };
}
