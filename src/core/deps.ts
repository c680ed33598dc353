import type { TesseraConfig } from '../config.js';
import type {
  Clock,
  Delivery,
  GeoIp,
  GrantSigner,
  KeyedHasher,
  Log,
  Metrics,
  PasswordHasher,
  Random,
  RateLimiter,
  SecretBox,
  Store,
  UntrustedNetworks,
} from './ports.js';

/** The part of the configuration the core reads. */
export type CoreSettings = Pick<
  TesseraConfig,
  | 'passwords'
  | 'sessions'
  | 'throttling'
  | 'totp'
  | 'recoveryCodes'
  | 'lockout'
  | 'signIn'
  | 'branding'
  | 'emailCodes'
  | 'server'
  | 'phone'
  | 'webauthn'
  | 'trustedDevices'
  | 'magicLinks'
  | 'passwordReset'
  | 'securityNotices'
  | 'stepUp'
  | 'accountDeletion'
  | 'mfa'
  | 'sso'
  | 'support'
  | 'admin'
  | 'adaptive'
  | 'hostApi'
  | 'prompt'
>;

/** Everything a flow needs, passed in rather than imported. */
export interface CoreDeps {
  store: Store;
  clock: Clock;
  random: Random;
  passwords: PasswordHasher;
  keyedHash: KeyedHasher;
  secretBox: SecretBox;
  ipLimiter: RateLimiter;
  delivery: Delivery;
  grants: GrantSigner;
  /** Where sign-ins come from, for adaptive sign-in; loads its database at the first lookup. */
  geoIp: GeoIp;
  untrustedNetworks: UntrustedNetworks;
  metrics: Metrics;
  /** Failures the core carries on after, such as webhook deliveries it could not queue. */
  log: Log;
  settings: CoreSettings;
}

/** A random identifier: 128 bits, URL-safe. */
export function newId(random: Random): string {
  return random.bytes(16).toString('base64url');
}
