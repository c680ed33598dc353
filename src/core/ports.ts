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
}

/** Authentication method references, RFC 8176 values where one exists. */
export type Amr = 'pwd' | 'otp' | 'sms' | 'tel' | 'hwk' | 'swk' | 'user' | 'mfa';

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
}

export interface SecurityEvent {
  type: 'sign_up' | 'sign_in' | 'sign_in_failed' | 'sign_out' | 'password_changed';
  userId: string | null;
  ip: string;
  at: number;
  detail?: Record<string, unknown>;
}

export interface UserRepository {
  /** Inserts the user; returns false when the email is already registered. */
  create(user: User): Promise<boolean>;
  findByEmail(email: string): Promise<User | undefined>;
  findById(id: string): Promise<User | undefined>;
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
}

export interface SessionRepository {
  create(session: Session): Promise<void>;
  /** The session whose token hash is one of the candidates (one per key id). */
  findByTokenHash(candidates: string[]): Promise<Session | undefined>;
  touch(id: string, lastSeenAt: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ends every session of the user except the one given. */
  deleteOthers(userId: string, keepSessionId: string): Promise<number>;
}

export interface AttemptThrottle {
  failures: number;
  blockedUntil: number;
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

export interface EventRepository {
  record(event: SecurityEvent): Promise<void>;
  listForUser(userId: string, limit: number): Promise<SecurityEvent[]>;
}

/** Storage of everything Tessera keeps; SQLite and PostgreSQL implement the same contract. */
export interface Store {
  users: UserRepository;
  sessions: SessionRepository;
  throttles: ThrottleRepository;
  events: EventRepository;
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

/** Per-source request budget (per IP address), shared by every instance through the store. */
export interface RateLimiter {
  consume(key: string): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
}

/** A message to a person's verified email address or phone. */
export interface OutboundMessage {
  channel: 'email' | 'sms' | 'voice';
  to: string;
  subject: string;
  text: string;
}

export interface Delivery {
  send(message: OutboundMessage): Promise<void>;
}
