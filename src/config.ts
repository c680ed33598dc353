import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const riskWeight = z.coerce.number().min(0).max(1);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f4bd8');
const flag = z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' });
const list = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean)
        : value,
    z.array(item),
  );

const secretKey = z.object({
  /** Key id stored next to everything the key protects, so keys can rotate. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _'),
  /** 32 random bytes, base64-encoded (`openssl rand -base64 32`). */
  secret: z.string().refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded'),
});

/** `a:b,c:d` in one environment variable, as `[a, b]` pairs (a pair without the separator stays alone). */
const envPairs = (value: string, separator: string): string[][] =>
  value
    .split(',')
    .map((pair) => pair.trim())
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(separator);
      return at < 0 ? [pair] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    });

/**
 * Keys written by `key:secret` pairs in one environment variable:
 * `TESSERA_SECRETS_KEYS=k2:BASE64,k1:BASE64` (the first key is the current one).
 */
const secretKeys = z.preprocess(
  (value) => (typeof value === 'string' ? envPairs(value, ':').map(([id, secret]) => ({ id, secret })) : value),
  z.array(secretKey),
);

const hostApiKey = z.object({
  /** Names the key in logs and the Authorization header. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _'),
  /** At least 32 random characters (`openssl rand -hex 32`). */
  secret: z.string().min(32, 'must be at least 32 characters, e.g. from openssl rand -hex 32'),
});

/** Host API keys as `id:secret` pairs in one environment variable. */
const hostApiKeys = z.preprocess(
  (value) => (typeof value === 'string' ? envPairs(value, ':').map(([id, secret]) => ({ id, secret })) : value),
  z.array(hostApiKey),
);

/** What Twilio accepts as a sender: a number in E.164, or an alphanumeric sender ID (texts only); empty too if `optional`. */
const twilioSender = ({ optional = false } = {}) =>
  z
    .string({
      error: (issue) =>
        typeof issue.input === 'number' ? 'must be quoted in YAML, e.g. "+15550001111", or YAML reads a number' : undefined,
    })
    .refine(
      (sender) => (optional && sender === '') || /^(\+[1-9]\d{1,14}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/.test(sender),
      'must be a number like +15550001111 or a sender ID of up to 11 letters, digits and spaces',
    );

/** Senders by ISO country code: a mapping in YAML, `GB|Tessera,US|+15550001111` in the environment. */
const sendersByCountry = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? envPairs(value, '|')
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? Object.entries(value)
        : value,
  z
    .array(
      z.tuple([z.string().regex(/^[A-Z]{2}$/, 'must be ISO country codes like GB'), twilioSender()], {
        error: 'must pair each country with one sender, like GB|Tessera',
      }),
    )
    .transform((pairs) => Object.fromEntries(pairs)),
);

/** An ordered list of delivery providers, each named once and only from `names`. */
const providerList = <const Names extends readonly [string, ...string[]]>(names: Names) =>
  list(z.enum(names, { error: (issue) => `unknown provider ${JSON.stringify(issue.input)}: use ${names.join(' or ')}` })).refine(
    (chosen) => new Set(chosen).size === chosen.length,
    'must name each provider once',
  );

/** An upstream OpenID Connect identity provider offered as a way to sign in. */
const ssoProvider = z.object({
  /** Names the provider in URLs: /sign-in/sso/<id>. */
  id: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a lower-case name, e.g. google or okta'),
  /** What the sign-in button says: "Continue with <name>". */
  name: z.string().min(1).max(60),
  /** The issuer URL; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Scopes asked for; `openid` and `email` are needed. */
  scopes: z.string().default('openid email profile'),
  /**
   * `provider`: the provider's own MFA applies and Tessera asks for no second factor;
   * `tessera_unless_amr`: Tessera's second factor is asked unless the ID token's `amr` says
   * the provider did MFA.
   */
  mfa: z.enum(['provider', 'tessera_unless_amr']).default('provider'),
});

export type SsoProvider = z.infer<typeof ssoProvider>;

/** An application that signs people in through Tessera's OpenID Connect provider. */
const oidcClient = z.object({
  /** The client_id the application sends. */
  clientId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ., _ or -'),
  /** Its secret for the token endpoint (client_secret_basic); empty for a public client, which relies on PKCE alone. */
  clientSecret: z.union([z.literal(''), z.string().min(32, 'must be at least 32 characters')]).default(''),
  /** Where the browser may be sent back with the code, exactly. */
  redirectUris: z.array(z.url()).min(1),
});

export type OidcClient = z.infer<typeof oidcClient>;

/** An app that keeps its own login and sends people to Tessera's MFA-only prompt. */
const promptApp = z.object({
  /** The app's name in its signed requests (`iss`) and the results (`aud`). */
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ., _ or -'),
  /** The HMAC secret (HS256) the app signs its prompt requests with: at least 32 random characters. */
  signingSecret: z.string().min(32, 'must be at least 32 characters, e.g. from openssl rand -hex 32'),
  /** Where the browser may be sent back, as URL prefixes (`https://app.example.com/mfa/`). */
  returnUrls: z.array(z.url()).min(1),
});

export type PromptApp = z.infer<typeof promptApp>;

/** JSON from an environment variable, or the text itself for the schema to refuse clearly. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How one protected action is approved; see `stepUp.actions`. */
const protectedAction = z.object({
  /** What the person approves, as the challenge page and messages name it: "Withdraw funds". */
  label: z.string().min(1).max(100),
  /** `mfa`: a second factor; `mfa_or_password`: people without two-step verification give their password instead. */
  requirement: z.enum(['mfa', 'mfa_or_password']).default('mfa_or_password'),
  /** Seconds one approval covers later requests of the action in the same session; 0 asks every time. */
  windowSeconds: z.number().int().min(0).max(86_400).default(0),
  /** The window runs from the last request it covered rather than from the approval. */
  sliding: z.boolean().default(false),
  /** `time`: the window above; `session`: one approval lasts the session. */
  scope: z.enum(['time', 'session']).default('time'),
  /** The grant works once: the app redeems it with POST /api/v1/grants/consume. */
  singleUse: z.boolean().default(false),
  /** Asked of people with two-step verification even where it applies only at sign-in. */
  alwaysOn: z.boolean().default(false),
});

export type ProtectedAction = z.infer<typeof protectedAction>;

/** Tessera's own sensitive operations: always on, every time unless an operator gives them a window. */
export const builtInActions = {
  'password.change': { label: 'Change your password', alwaysOn: true },
  'email.change': { label: 'Change your email address', alwaysOn: true },
  'account.delete': { label: 'Delete your account', alwaysOn: true },
  'factor.add': { label: 'Add a sign-in method', alwaysOn: true, windowSeconds: 600 },
  'factor.remove': { label: 'Remove a sign-in method', alwaysOn: true },
  'mfa.disable': { label: 'Turn off two-step verification', alwaysOn: true },
  'mfa.reset': { label: 'Reset two-step verification', alwaysOn: true },
  'recovery_codes.regenerate': { label: 'Make new recovery codes', alwaysOn: true },
  'admin.act': { label: 'Use the admin console', alwaysOn: true, requirement: 'mfa', windowSeconds: 600 },
} as const;

/** Examples for the host application, which it may change or add to. */
const exampleActions = {
  'api_key.invalidate': { label: 'Invalidate an API key' },
  'team.add_member': { label: 'Add a team member', windowSeconds: 300, sliding: true },
  'team.remove_member': { label: 'Remove a team member', windowSeconds: 300, sliding: true },
  'funds.withdraw': { label: 'Withdraw funds', singleUse: true },
  'bank_account.change': { label: 'Change the bank account', singleUse: true },
};

const actionName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'must be dotted lower-case words, e.g. funds.withdraw');

/**
 * The protected actions: Tessera's own and the examples, with the configured ones over them
 * (JSON in the environment). The built-in ones cannot be turned into optional ones.
 */
const protectedActions = z
  .preprocess(
    (value) => {
      const given: unknown = typeof value === 'string' ? jsonOrText(value) : (value ?? {});
      return typeof given === 'object' && given !== null ? { ...builtInActions, ...exampleActions, ...given } : given;
    },
    z.record(actionName, protectedAction),
  )
  .refine(
    (actions) => Object.keys(builtInActions).every((name) => actions[name]?.alwaysOn),
    `the built-in actions (${Object.keys(builtInActions).join(', ')}) must stay alwaysOn`,
  );

export const configSchema = z.object({
  server: z
    .object({
      /** Interface to listen on. Default: `127.0.0.1`. */
      host: z.string().min(1).default('127.0.0.1'),
      /** TCP port to listen on. Default: `4000`. */
      port: port.default(4000),
      /**
       * The URL people use to reach Tessera; used for links, the cookie policy and the
       * Origin check. Production requires https. Default: `http://localhost:4000`.
       */
      publicUrl: z.url().default('http://localhost:4000'),
      /**
       * Proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` header is believed.
       * Without one, the client IP is the socket address. Default: none.
       */
      trustedProxies: list(z.string().min(1)).default([]),
    })
    .prefault({}),
  database: z
    .object({
      /**
       * `sqlite:<path>` for the embedded database or `postgres://…` for PostgreSQL.
       * Default: `sqlite:./data/tessera.db`.
       */
      url: z
        .string()
        .regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://')
        .default('sqlite:./data/tessera.db'),
      /** Bring the schema up to date at start; off, run `tessera migrate` before starting new versions. Default: `true`. */
      migrateOnStart: flag.default(true),
      /** Most PostgreSQL connections one instance opens. Default: `10`. */
      poolMax: z.coerce.number().int().min(1).max(1000).default(10),
      /** Milliseconds an idle PostgreSQL connection is kept before it is closed. Default: `10000`. */
      poolIdleTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
      /** Milliseconds to wait for a PostgreSQL connection before the request fails. Default: `5000`. */
      poolConnectionTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(5000),
    })
    .prefault({}),
  redis: z
    .object({
      /**
       * `redis://…` (or `rediss://…` for TLS) of a Redis shared by every instance, for rate limits;
       * empty keeps them in the database. Nothing that must survive lives only in Redis. Default: empty.
       */
      url: z.union([z.literal(''), z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')]).default(''),
    })
    .prefault({}),
  branding: z
    .object({
      /** Product name shown on every page and in the authenticator app. Default: `Tessera`. */
      productName: z.string().min(1).max(60).default('Tessera'),
      /** URL of a logo image shown above the forms; empty shows the product name only. Default: empty. */
      logoUrl: z.union([z.literal(''), z.url()]).default(''),
      /** Main colour of buttons and links. Default: `#1f4bd8`. */
      primaryColor: hexColor.default('#1f4bd8'),
      /** Colour of text on the main colour. Default: `#ffffff`. */
      primaryTextColor: hexColor.default('#ffffff'),
    })
    .prefault({}),
  passwords: z
    .object({
      /**
       * Shortest password accepted. ASVS 5.0 asks for at least 8; NIST SP 800-63B rev 4 asks
       * for 15 when the password is the only factor. Default: `8`.
       */
      minLength: z.coerce.number().int().min(8).max(64).default(8),
      /** Longest password accepted; at least 64 so passphrases fit. Default: `256`. */
      maxLength: z.coerce.number().int().min(64).max(4096).default(256),
    })
    .prefault({}),
  sessions: z
    .object({
      /** Minutes without activity after which a session ends. Default: `60`. */
      idleTimeoutMinutes: positiveInt.default(60),
      /** Hours after sign-in after which a session ends whatever happens. Default: `24`. */
      absoluteTimeoutHours: positiveInt.default(24),
    })
    .prefault({}),
  throttling: z
    .object({
      /** Failed passwords for one account before each attempt must wait. Default: `5`. */
      freePasswordFailures: z.coerce.number().int().min(0).max(100).default(5),
      /** First wait after the free failures, doubled after each further failure. Default: `2`. */
      baseDelaySeconds: positiveInt.default(2),
      /** Longest wait between password attempts for one account. Default: `900`. */
      maxDelaySeconds: positiveInt.default(900),
      /** Sign-in and sign-up attempts one IP address may make per window. Default: `30`. */
      ipAttempts: positiveInt.default(30),
      /** Length of the per-IP window in seconds. Default: `60`. */
      ipWindowSeconds: positiveInt.default(60),
    })
    .prefault({}),
  totp: z
    .object({
      /** HMAC algorithm of authenticator-app codes; most apps only support SHA1. Default: `SHA1`. */
      algorithm: z.enum(['SHA1', 'SHA256', 'SHA512']).default('SHA1'),
      /** Digits per code; most apps only show 6. Default: `6`. */
      digits: z.coerce.number().int().min(6).max(8).default(6),
      /** Seconds each code is valid for; most apps only use 30. Default: `30`. */
      period: z.coerce.number().int().min(15).max(120).default(30),
      /** Time steps accepted before and after the current one, for clock drift. Default: `1`. */
      window: z.coerce.number().int().min(0).max(3).default(1),
      /**
       * Authenticator apps suggested on the set-up page, each shown with a QR code of its link.
       * In the environment: `Name|https://link,Other|https://link`. Default: Google
       * Authenticator, Microsoft Authenticator and the open-source 2FAS.
       */
      suggestedApps: z
        .preprocess(
          (value) => (typeof value === 'string' ? envPairs(value, '|').map(([name, url]) => ({ name, url })) : value),
          z.array(z.object({ name: z.string().min(1).max(60), url: z.url() })).max(6),
        )
        .default([
          { name: 'Google Authenticator', url: 'https://support.google.com/accounts/answer/1066447' },
          { name: 'Microsoft Authenticator', url: 'https://www.microsoft.com/security/mobile-authenticator-app' },
          { name: '2FAS (open source)', url: 'https://2fas.com' },
        ]),
    })
    .prefault({}),
  recoveryCodes: z
    .object({
      /** Recovery codes issued with the first second factor. Default: `10`. */
      count: z.coerce.number().int().min(4).max(20).default(10),
      /**
       * Characters per code, from a 32-character alphabet without look-alikes (5 bits each);
       * below 13 (64 bits) start-up warns. Default: `16`.
       */
      length: z.coerce.number().int().min(8).max(32).default(16),
    })
    .prefault({}),
  emailCodes: z
    .object({
      /** Digits in an emailed code, from 4 to 10; below 6 start-up warns. Default: `6`. */
      digits: z.coerce.number().int().min(4).max(10).default(6),
      /** Minutes an emailed code stays valid; longer helps slow mail. Default: `10`. */
      lifetimeMinutes: z.coerce.number().int().min(1).max(60).default(10),
      /** Hours a link that verifies an account's email address stays valid. Default: `24`. */
      verificationLinkHours: z.coerce.number().int().min(1).max(168).default(24),
      /** Tries one emailed code allows before a new one must be sent. Default: `5`. */
      maxAttempts: z.coerce.number().int().min(1).max(10).default(5),
      /** Seconds before another code can be sent. Default: `30`. */
      resendCooldownSeconds: z.coerce.number().int().min(0).max(600).default(30),
      /**
       * Send a code as soon as the challenge page opens when email is the first method offered,
       * instead of waiting for "Send code". Default: `false`.
       */
      sendOnChallenge: flag.default(false),
      /** Codes one person can be sent per hour. Default: `10`. */
      hourlyLimitPerPerson: positiveInt.default(10),
      /** Codes one address can be sent per hour, whoever asks. Default: `10`. */
      hourlyLimitPerDestination: positiveInt.default(10),
    })
    .prefault({}),
  phone: z
    .object({
      /** Countries (ISO codes) whose numbers may receive SMS and voice codes; others are not offered. Default: `US,CA,GB,AU`. */
      countries: list(z.string().regex(/^[A-Z]{2}$/, 'must be ISO country codes like GB')).default(['US', 'CA', 'GB', 'AU']),
      /**
       * Number prefixes (E.164, with +) never sent to: premium-rate and other toll-fraud ranges.
       * Default: North American 900 and 976, UK 09 and 070/076 personal and pager ranges.
       */
      blockedPrefixes: list(z.string().regex(/^\+\d{1,8}$/, 'must be prefixes like +1900')).default([
        '+1900',
        '+1976',
        '+449',
        '+4470',
        '+4476',
      ]),
      /** Texts and calls to numbers of one country per hour, from every account. Default: `100`. */
      hourlyLimitPerCountry: positiveInt.default(100),
      /** Texts and calls per hour in total. Default: `500`. */
      hourlyLimitTotal: positiveInt.default(500),
      /** Different numbers one account may send codes to per day. Default: `3`. */
      newNumbersPerDay: positiveInt.default(3),
      /**
       * Make a phone number the first method, before an authenticator app can be added, so a
       * person who loses the phone can still recover with a new SIM. Default: `false`.
       */
      requiredFirst: flag.default(false),
    })
    .prefault({}),
  passwordReset: z
    .object({
      /**
       * Let a password reset by email also skip the person's second factor, as some products do.
       * Off, the person still passes their second factor (or uses a recovery code) after choosing
       * the new password. Default: `false`.
       */
      skipsSecondFactor: flag.default(false),
    })
    .prefault({}),
  magicLinks: z
    .object({
      /** Offer "Email me a sign-in link" on the sign-in page. Default: `true`. */
      enabled: flag.default(true),
      /** Minutes a sign-in link works; it works once. Default: `10`. */
      lifetimeMinutes: z.coerce.number().int().min(1).max(60).default(10),
      /** The link works only in the browser that asked for it (a cookie set when asking). Default: `false`. */
      bindToBrowser: flag.default(false),
      /**
       * Count the link as the second factor, as some products count access to the mailbox
       * (the session then skips the person's second factor). Off, the link is a first factor
       * and the person's second factor is still asked. Default: `false`.
       */
      countsAsSecondFactor: flag.default(false),
    })
    .prefault({}),
  admin: z
    .object({
      /**
       * Addresses of the instance's administrators, who see and act on everyone in the admin
       * console; owners and admins of an organization act on its members only. Default: none.
       */
      emails: list(z.email()).default([]),
    })
    .prefault({}),
  support: z
    .object({
      /**
       * The number people call when they cannot pass the second step, shown on the challenge
       * page; after checking the caller, an operator issues them a one-time code. Empty hides
       * it. Default: empty.
       */
      dialInNumber: z.string().max(40).default(''),
      /** Minutes an operator-issued code works; it works once. Default: `10`. */
      operatorCodeMinutes: z.coerce.number().int().min(1).max(60).default(10),
    })
    .prefault({}),
  sso: z
    .object({
      /**
       * Upstream OpenID Connect providers offered on the sign-in page, each with `id`, `name`,
       * `issuer`, `clientId`, `clientSecret`, `scopes` and `mfa` (`provider` or
       * `tessera_unless_amr`); JSON in the environment. Their redirect URI is
       * `<publicUrl>/sign-in/sso/<id>/callback`. Default: none.
       */
      providers: z
        .preprocess((value) => (typeof value === 'string' ? jsonOrText(value) : value), z.array(ssoProvider))
        .default([]),
    })
    .prefault({}),
  oidc: z
    .object({
      /**
       * Run the OpenID Connect provider for applications registered with `tessera oidc client
       * add`; configured `clients` turn it on as well. Default: `false`.
       */
      enabled: flag.default(false),
      /**
       * Applications that sign people in with Tessera as their OpenID Connect provider
       * (issuer `<publicUrl>/oidc`), each with `clientId`, `clientSecret` and `redirectUris`;
       * JSON in the environment. None turns the provider off. Default: none.
       */
      clients: z.preprocess((value) => (typeof value === 'string' ? jsonOrText(value) : value), z.array(oidcClient)).default([]),
    })
    .prefault({}),
  prompt: z
    .object({
      /**
       * Apps that keep their own login and add Tessera's second step with the MFA-only prompt
       * (`/prompt`), each with `id`, `signingSecret` and `returnUrls`; JSON in the environment.
       * Default: none.
       */
      apps: z.preprocess((value) => (typeof value === 'string' ? jsonOrText(value) : value), z.array(promptApp)).default([]),
      /** How long a signed prompt request is accepted after it was made (`iat`), in seconds. Default: `300`. */
      requestMaxAgeSeconds: z.coerce.number().int().min(10).max(3600).default(300),
      /** How long the person has to get through a prompt, in minutes. Default: `15`. */
      lifetimeMinutes: z.coerce.number().int().min(1).max(120).default(15),
      /** How long the app has to exchange the code it gets back, in seconds. Default: `60`. */
      codeLifetimeSeconds: z.coerce.number().int().min(10).max(600).default(60),
      /** How long the signed result of an exchange is valid, in seconds. Default: `300`. */
      resultLifetimeSeconds: z.coerce.number().int().min(10).max(3600).default(300),
    })
    .prefault({}),
  mfa: z
    .object({
      /**
       * Two-step verification on this installation. Off, it is switched off and hidden
       * everywhere: nobody is asked for a second factor, and protected actions ask for the
       * password. Default: `true`.
       */
      enabled: flag.default(true),
      /** Require two-step verification of everyone (the instance's default policy). Default: `false`. */
      required: flag.default(false),
      /** Roles that require two-step verification in any organization, e.g. `staff`. Default: none. */
      requiredRoles: list(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a lower-case role name')).default([]),
      /** The kinds of factor that count where the instance requires it; empty: any. Default: none. */
      allowedMethods: list(z.enum(['totp', 'email', 'phone', 'security_key', 'biometric'])).default([]),
      /** Days after the first sign-in under a requirement during which setting up can be postponed. Default: `0`. */
      graceDays: z.coerce.number().int().min(0).max(365).default(0),
      /** Sign-ins under a requirement during which setting up can be postponed. Default: `0`. */
      graceSignIns: z.coerce.number().int().min(0).max(100).default(0),
      /**
       * When two-step verification is required and the person has none, set up their confirmed
       * email address as the factor at sign-in and challenge them with it at once; again if they
       * remove it. Default: `false`.
       */
      autoSetupEmail: flag.default(false),
    })
    .prefault({}),
  adaptive: z
    .object({
      /**
       * When people with two-step verification are asked for it at sign-in: `always`; `adaptive`,
       * only when the risk assessment (new device, impossible travel, untrusted IP) leaves
       * confidence at or below `challengeAt`; or `off`, never at sign-in (protected actions and
       * required setup still apply). An organization's own setting wins for its members. Default: `always`.
       */
      policy: z.enum(['always', 'adaptive', 'off']).default('always'),
      /** Under `adaptive`, the confidence at or below which the second factor is asked: `low` or the stricter `medium`. Default: `low`. */
      challengeAt: z.enum(['low', 'medium']).default('low'),
      /** Days a device (its device cookie and browser family) stays known after a sign-in from it. Default: `30`. */
      newDeviceDays: z.coerce.number().int().min(1).max(365).default(30),
      /** Travel faster than this between two sign-ins, in km/h, is impossible. Default: `900`. */
      maxTravelSpeedKmh: z.coerce.number().int().min(100).max(40_000).default(900),
      weights: z
        .object({
          /** Weight of a sign-in from a device not seen in `newDeviceDays`. Default: `0.7`. */
          newDevice: riskWeight.default(0.7),
          /** Weight of impossible travel since the last sign-in. Default: `1`. */
          impossibleTravel: riskWeight.default(1),
          /** Weight of an IP address on an untrusted list or behind many failed sign-ins. Default: `1`. */
          untrustedIp: riskWeight.default(1),
        })
        .prefault({}),
      /** A weighted risk score (0 to 1) at or above this leaves medium confidence. Default: `0.3`. */
      mediumAt: riskWeight.default(0.3),
      /** A weighted risk score at or above this leaves low confidence. Default: `0.7`. */
      lowAt: riskWeight.default(0.7),
      /**
       * Files of IP addresses and CIDR ranges not to trust, one per line (`#` starts a comment),
       * read again when they change. Default: none.
       */
      untrustedIpLists: list(z.string().min(1)).default([]),
      /** Refused sign-ins to other accounts from one IP within `failedSignInsMinutes` that make it untrusted. Default: `20`. */
      failedSignInsPerIp: z.coerce.number().int().min(1).max(100_000).default(20),
      /** The window for `failedSignInsPerIp`, in minutes. Default: `60`. */
      failedSignInsMinutes: z.coerce.number().int().min(1).max(10_080).default(60),
      /**
       * MaxMind DB files (`.mmdb`) that place IP addresses, tried in turn, e.g. a licensed GeoIP2
       * City file. Loaded only while adaptive sign-in is in use. Default: the bundled DB-IP Lite
       * city databases (CC BY 4.0, IP geolocation by DB-IP).
       */
      geoipDatabases: list(z.string().min(1)).default([]),
    })
    .refine((adaptive) => adaptive.mediumAt < adaptive.lowAt, {
      path: ['mediumAt'],
      message: 'must be below adaptive.lowAt: medium confidence lies between high and low',
    })
    .prefault({}),
  stepUp: z
    .object({
      /**
       * Where the second factor is asked: `sign_in`, `actions` (protected actions only — people
       * sign in with the password alone, as some products do), or `both`. Default: `both`.
       */
      mfaAppliesAt: z.enum(['sign_in', 'actions', 'both']).default('both'),
      /**
       * The protected actions by name, each with `label`, `requirement` (`mfa` or
       * `mfa_or_password`), `windowSeconds`, `sliding`, `scope` (`time` or `session`),
       * `singleUse` and `alwaysOn`. Tessera's own (password.change, email.change,
       * account.delete, factor.add, factor.remove, mfa.disable, mfa.reset,
       * recovery_codes.regenerate) are always there; the examples api_key.invalidate,
       * team.add_member, team.remove_member (5-minute sliding window), funds.withdraw and
       * bank_account.change (every time, single use) can be changed. Default: the built-in and
       * example actions.
       */
      actions: protectedActions.prefault({}),
      /** Minutes a step-up can be approved after it was asked for. Default: `10`. */
      challengeMinutes: z.coerce.number().int().min(1).max(60).default(10),
      /** Seconds a grant is valid after it is issued. Default: `120`. */
      grantLifetimeSeconds: z.coerce.number().int().min(10).max(3600).default(120),
      /**
       * Where the hosted /step-up page may send the browser back to, as URL prefixes
       * (`https://app.example.com/`); Tessera's own pages are always allowed. Default: none.
       */
      returnUrls: z
        .preprocess((value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : value), z.array(z.url()))
        .default([]),
    })
    .prefault({}),
  accountDeletion: z
    .object({
      /**
       * Days between asking to delete an account and its deletion; signing in before then keeps
       * it. 0 deletes at once. Default: `0`.
       */
      graceDays: z.coerce.number().int().min(0).max(90).default(0),
    })
    .prefault({}),
  securityNotices: z
    .object({
      /**
       * Email people when their account's protection changes (a method added or removed, two-step
       * verification turned on, off or reset, recovery codes made or used, a device trusted, the
       * password or address changed) and when someone passes their password but fails the second
       * step or locks the account. Default: `true`.
       */
      enabled: flag.default(true),
      /**
       * At most one notice email per person and address in this many minutes; what happens in
       * between waits and goes in the next email, together. Default: `5`.
       */
      minimumIntervalMinutes: z.coerce.number().int().min(0).max(1440).default(5),
      /** How often waiting notices are looked for and sent, in seconds. Default: `5`. */
      sweepSeconds: z.coerce.number().int().min(1).max(3600).default(5),
    })
    .prefault({}),
  webhooks: z
    .object({
      /** How often deliveries that are due are looked for and sent, in seconds. Default: `5`. */
      intervalSeconds: z.coerce.number().int().min(1).max(3600).default(5),
      /** How long a receiver has to answer before the attempt counts as failed, in seconds. Default: `10`. */
      timeoutSeconds: z.coerce.number().int().min(1).max(60).default(10),
      /** Attempts at one delivery, the first included, before it is marked failed. Default: `10`. */
      maxAttempts: z.coerce.number().int().min(1).max(50).default(10),
      /**
       * The wait after the first failed attempt, in seconds; it doubles after each further one,
       * ±25 % at random. Default: `30`.
       */
      retryBaseSeconds: z.coerce.number().int().min(1).max(3600).default(30),
      /** The longest wait between two attempts, in seconds. Default: `3600`. */
      retryMaxSeconds: z.coerce.number().int().min(1).max(86_400).default(3600),
      /** Days delivered and failed deliveries stay in the delivery log. Default: `30`. */
      retentionDays: z.coerce.number().int().min(1).max(365).default(30),
    })
    .prefault({}),
  trustedDevices: z
    .object({
      /**
       * Days a browser stays trusted after "Trust this device" at the second step, which it
       * then skips at sign-in (never for a protected action, never for another account); 0
       * hides the choice. Default: `30`.
       */
      days: z.coerce.number().int().min(0).max(365).default(30),
      /**
       * End a browser's trust when the person signs out in it, instead of letting it last its
       * days; either way the sign-out page offers to forget the device. Default: `false`.
       */
      endOnSignOut: flag.default(false),
    })
    .prefault({}),
  webauthn: z
    .object({
      /**
       * Relying party ID: the domain security keys and passkeys are bound to, which must be the
       * host of `server.publicUrl` or a domain it belongs to. An IP address cannot be one.
       * Changing it later makes every registered key stop working. Default: the host of
       * `server.publicUrl` (`localhost` in development).
       */
      rpId: z.string().default(''),
      /**
       * Origins allowed to use the keys, e.g. `https://app.example.com` when an app on a sibling
       * subdomain embeds the ceremonies. Default: the origin of `server.publicUrl`.
       */
      origins: list(z.url()).default([]),
      /**
       * Whether a security key used as a second factor must also verify the person with a PIN
       * or fingerprint: `discouraged`, `preferred` or `required`. Biometrics and passkeys always
       * verify. Default: `discouraged`.
       */
      secondFactorUserVerification: z.enum(['discouraged', 'preferred', 'required']).default('discouraged'),
      /**
       * Offer signing in with a passkey alone (a discoverable credential, also through the
       * browser's autofill). With user verification it is a full multi-factor sign-in; without,
       * the second factor is still asked. Default: `true`.
       */
      passkeys: flag.default(true),
      /**
       * `none` accepts any authenticator; `direct` asks for an attestation and accepts only
       * authenticators whose certificate chains to `trustRoots` (and, when set, whose model is in
       * `allowedAaguids`). No online metadata service is used. Default: `none`.
       */
      attestation: z.enum(['none', 'direct']).default('none'),
      /** PEM files with the attestation root certificates trusted under `direct`. Default: none. */
      trustRoots: list(z.string().min(1)).default([]),
      /** Authenticator models (AAGUIDs) accepted under `direct`; empty accepts every model the roots vouch for. Default: none. */
      allowedAaguids: list(z.uuid('must be AAGUIDs like cb69481e-8ff7-4039-93ec-0a2729a154a8')).default([]),
    })
    .prefault({}),
  lockout: z
    .object({
      /**
       * Consecutive wrong second-factor codes, over every factor and across sign-ins, that lock
       * the account; NIST allows at most 100. Default: `10`.
       */
      maxFailures: z.coerce.number().int().min(1).max(100).default(10),
      /** Minutes the account stays locked. Default: `15`. */
      durationMinutes: positiveInt.default(15),
    })
    .prefault({}),
  signIn: z
    .object({
      /** Minutes between the password and the second factor before sign-in starts over. Default: `10`. */
      pendingMinutes: z.coerce.number().int().min(1).max(30).default(10),
      /**
       * Sign in without a password: the email address, then a code — from the authenticator
       * app, or emailed at once to the confirmed address — or a passkey. The session is a
       * single factor (aal 1); protected actions still ask for theirs. Default: `false`.
       */
      passwordless: flag.default(false),
    })
    .prefault({}),
  delivery: z
    .object({
      smtp: z
        .object({
          /**
           * SMTP server that sends email, e.g. `smtp.example.com`; empty leaves email to the
           * webhook or, in development, the outbox. Default: empty.
           */
          host: z.string().default(''),
          /** SMTP port: 587 upgrades with STARTTLS, 465 needs `secure`. Default: `587`. */
          port: port.default(587),
          /** Speak TLS from the first byte (implicit TLS, usually port 465) instead of STARTTLS. Default: `false`. */
          secure: flag.default(false),
          /** SMTP user name; empty sends without signing in. Default: empty. */
          user: z.string().default(''),
          /** SMTP password. Default: empty. */
          password: z.string().default(''),
          /** Sender of every email. Default: `Tessera <no-reply@localhost>`. */
          from: z.string().min(3).default('Tessera <no-reply@localhost>'),
        })
        .prefault({}),
      webhook: z
        .object({
          /**
           * URL of your own gateway, which receives each message as a signed JSON POST when it
           * comes up in the channel's provider list (by default after SMTP and Twilio). Empty turns
           * it off. Default: empty.
           */
          url: z.union([z.literal(''), z.url()]).default(''),
          /**
           * Shared secret for the `X-Tessera-Signature` HMAC-SHA256 header; required with a URL,
           * at least 32 characters (`openssl rand -hex 32`). Default: empty.
           */
          secret: z.string().default(''),
          /** Milliseconds to wait for the gateway's answer before the attempt counts as failed. Default: `5000`. */
          timeoutMs: z.coerce.number().int().min(100).max(60_000).default(5000),
        })
        .refine((webhook) => !webhook.url || webhook.secret.length >= 32, {
          path: ['secret'],
          message: 'required when delivery.webhook.url is set: at least 32 characters, e.g. openssl rand -hex 32',
        })
        .prefault({}),
      twilio: z
        .object({
          /** Twilio's REST API; change it only for a Twilio-compatible gateway. Default: `https://api.twilio.com`. */
          baseUrl: z.url().default('https://api.twilio.com'),
          /** Account SID (`AC…`) that sends SMS and voice codes through Twilio; empty turns Twilio off. Default: empty. */
          accountSid: z.string().default(''),
          /** Auth token of that account; required with an account SID. Default: empty. */
          authToken: z.string().default(''),
          /**
           * Sender of texts and caller of calls: your Twilio number in E.164, e.g. `+15550001111`,
           * or for texts only an alphanumeric sender ID of up to 11 characters; required with an
           * account SID. Default: empty.
           */
          from: twilioSender({ optional: true }).default(''),
          /**
           * Senders used instead of `from` for numbers of some countries, by ISO code, e.g.
           * `{ GB: Tessera }`; calls use a country's sender only when it is a number. In the
           * environment: `GB|Tessera,US|+15550001111`. Default: none.
           */
          fromByCountry: sendersByCountry.default({}),
          /** Milliseconds to wait for Twilio's answer before the attempt counts as failed. Default: `5000`. */
          timeoutMs: z.coerce.number().int().min(100).max(60_000).default(5000),
        })
        .refine((twilio) => !twilio.accountSid || twilio.authToken, {
          path: ['authToken'],
          message: 'required when delivery.twilio.accountSid is set: the auth token of the same account',
        })
        .refine((twilio) => !twilio.accountSid || twilio.from, {
          path: ['from'],
          message: 'required when delivery.twilio.accountSid is set: your Twilio number, e.g. +15550001111',
        })
        .prefault({}),
      /**
       * Providers tried in turn for email until one takes the message; those not configured are
       * skipped. With none, development keeps the message in the outbox and production does not
       * send it. Default: `smtp`, then `webhook`.
       */
      emailProviders: providerList(['smtp', 'webhook']).default(['smtp', 'webhook']),
      /** Providers tried in turn for SMS, the same way. Default: `twilio`, then `webhook`. */
      smsProviders: providerList(['twilio', 'webhook']).default(['twilio', 'webhook']),
      /** Providers tried in turn for voice calls, the same way. Default: `twilio`, then `webhook`. */
      voiceProviders: providerList(['twilio', 'webhook']).default(['twilio', 'webhook']),
    })
    .prefault({}),
  hostApi: z
    .object({
      /**
       * Static API keys for server-to-server calls (/api/v1/host, /api/v1/grants/consume), sent
       * as `Authorization: Bearer id.secret`. Each holds every scope; keys with fewer scopes are
       * created in the admin console or with `tessera api-key create` (docs/api-keys.md). In the
       * environment: `TESSERA_HOST_API_KEYS=app:SECRET`. Default: none.
       */
      keys: hostApiKeys.default([]),
    })
    .prefault({}),
  secrets: z
    .object({
      /**
       * Server keys for keyed hashes and encryption; the first is current, the others still
       * verify. Empty in development generates `data/dev-keys.json` with a warning; production
       * refuses that. Default: empty.
       */
      keys: secretKeys.default([]),
    })
    .prefault({}),
  /** Directory for the SQLite file and development keys. Default: `./data`. */
  dataDir: z.string().min(1).default('./data'),
  metrics: z
    .object({
      /** Serve Prometheus metrics at `/metrics`. Default: `true`. */
      enabled: flag.default(true),
      /**
       * A bearer token Prometheus must send (`Authorization: Bearer …`, at least 32 characters);
       * empty serves the metrics to anyone who can reach them — keep `/metrics` off the public
       * internet at your proxy then. Default: empty.
       */
      token: z
        .union([z.literal(''), z.string().min(32, 'must be at least 32 characters, e.g. openssl rand -hex 32')])
        .default(''),
    })
    .prefault({}),
  logging: z
    .object({
      /** pino log level. Default: `info`. */
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});

export type TesseraConfig = z.infer<typeof configSchema> & {
  /** `production` when NODE_ENV=production; otherwise development rules apply. */
  mode: 'production' | 'development';
};

/** A configuration value that cannot be used, named by its YAML path and environment variable. */
export class ConfigError extends TypeError {
  constructor(readonly problems: string[]) {
    super(`Invalid Tessera configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Environment variables; `TESSERA_*` entries override the file. */
  env?: NodeJS.ProcessEnv;
  /** YAML file; defaults to `TESSERA_CONFIG` or `./tessera.yaml` when it exists. */
  file?: string;
}

/** The environment variable that sets a configuration path, e.g. `server.publicUrl` → `TESSERA_SERVER_PUBLIC_URL`. */
export function envName(path: string[]): string {
  return `TESSERA_${path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

/** Every leaf field of the schema with its path, in declaration order. */
export function configFields(): string[][] {
  const fields: string[][] = [];
  const walk = (shape: Record<string, z.ZodType>, prefix: string[]) => {
    for (const [key, field] of Object.entries(shape)) {
      const inner = unwrap(field);
      if (inner instanceof z.ZodObject) walk(inner.shape, [...prefix, key]);
      else fields.push([...prefix, key]);
    }
  };
  walk(configSchema.shape, []);
  return fields;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodPrefault || current instanceof z.ZodOptional) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The names platforms give the database and Redis, read as well; `TESSERA_*` names win over them. */
const conventionalNames: Record<string, string[]> = {
  DATABASE_URL: ['database', 'url'],
  REDIS_URL: ['redis', 'url'],
};

/**
 * Reads the YAML file and `TESSERA_*` variables (and `DATABASE_URL`, `REDIS_URL`), validates
 * them, and applies production rules.
 */
export function loadConfig(options: LoadConfigOptions = {}): TesseraConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.TESSERA_CONFIG ?? (existsSync('tessera.yaml') ? 'tessera.yaml' : undefined);
  const raw: Record<string, unknown> = file ? readYaml(file) : {};

  for (const [name, path] of Object.entries(conventionalNames)) {
    const value = env[name];
    if (value !== undefined) setPath(raw, path, value);
  }
  for (const path of configFields()) {
    const value = env[envName(path)];
    if (value !== undefined) setPath(raw, path, value);
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.filter((part): part is string => typeof part === 'string');
        return `${path.join('.')} (${envName(path)}): ${issue.message}`;
      }),
    );
  }
  const config: TesseraConfig = {
    ...parsed.data,
    mode: env.NODE_ENV === 'production' ? 'production' : 'development',
  };
  assertRelyingParty(config);
  assertRiskSources(config);
  if (config.mode === 'production') assertProductionReady(config);
  return config;
}

/**
 * Whether people reach Tessera over https — directly or through a TLS-terminating proxy — as
 * the public URL says (always in production): cookies are then Secure with the `__Host-`
 * prefix, and browsers are told to stay on https.
 */
export function servedOverHttps(config: Pick<TesseraConfig, 'server'>): boolean {
  return new URL(config.server.publicUrl).protocol === 'https:';
}

/** Settings that work but deserve a warning at start-up. */
export function configWarnings(config: TesseraConfig): string[] {
  const warnings: string[] = [];
  const { algorithm, digits, period } = config.totp;
  if (algorithm !== 'SHA1' || digits !== 6 || period !== 30) {
    warnings.push(
      `totp is set to ${algorithm}, ${digits} digits, ${period} s: Google Authenticator and several other apps ignore ` +
        'anything but SHA1, 6 digits, 30 s and would show wrong codes.',
    );
  }
  if (config.emailCodes.digits < 6) {
    warnings.push(
      `emailCodes.digits ${config.emailCodes.digits} is below the 6 digits NIST asks for; such codes rely on the attempt cap alone.`,
    );
  }
  const host = new URL(config.server.publicUrl).hostname.replace(/^\[|\]$/g, '');
  if (!config.webauthn.rpId && isIP(host)) {
    warnings.push(
      `server.publicUrl is an IP address (${host}): browsers refuse security keys and passkeys there, so only the other ` +
        'methods will work. Reach Tessera by a name, such as localhost or auth.example.com.',
    );
  }
  if (config.passwordReset.skipsSecondFactor) {
    warnings.push(
      'passwordReset.skipsSecondFactor is on: resetting the password by email also gets past the second factor, so anyone ' +
        'who can read a person’s mailbox can take over their account.',
    );
  }
  if (config.magicLinks.enabled && config.magicLinks.countsAsSecondFactor) {
    warnings.push(
      'magicLinks.countsAsSecondFactor is on: a sign-in link lets people past their second factor, so anyone who can read ' +
        'their mailbox can sign in as them.',
    );
  }
  if (config.adaptive.policy === 'off') {
    warnings.push(
      'adaptive.policy is off: people with two-step verification are not asked for it at sign-in, only at protected ' +
        'actions, so a stolen password opens their account for everything else.',
    );
  }
  const bits = config.recoveryCodes.length * 5;
  if (bits < 64) {
    warnings.push(
      `recoveryCodes.length ${config.recoveryCodes.length} gives ${bits}-bit codes, below the 64 bits NIST asks for; ` +
        'they stay protected only by the account failure budget.',
    );
  }
  return warnings;
}

/** WebAuthn refuses an RP ID that is an IP address or not a domain of the page, so refuse it at start. */
function assertRelyingParty(config: TesseraConfig): void {
  const { rpId, attestation, trustRoots } = config.webauthn;
  const host = new URL(config.server.publicUrl).hostname;
  const problems: string[] = [];
  const rpIdPath = `webauthn.rpId (${envName(['webauthn', 'rpId'])})`;
  if (isIP(rpId)) {
    problems.push(
      `${rpIdPath}: an IP address cannot be a WebAuthn relying party ID; reach Tessera by a name such as localhost or auth.example.com`,
    );
  } else if (rpId && host !== rpId && !host.endsWith(`.${rpId}`)) {
    problems.push(`${rpIdPath}: ${rpId} must be ${host} or a domain it belongs to`);
  }
  if (attestation === 'direct' && trustRoots.length === 0) {
    problems.push(
      `webauthn.trustRoots (${envName(['webauthn', 'trustRoots'])}): direct attestation needs the PEM files of the roots you trust`,
    );
  }
  problems.push(...missingFiles(['webauthn', 'trustRoots'], trustRoots));
  if (problems.length > 0) throw new ConfigError(problems);
}

/** The address lists and geolocation databases of adaptive sign-in are read at start, so a missing one is refused then. */
function assertRiskSources(config: TesseraConfig): void {
  const problems = (['untrustedIpLists', 'geoipDatabases'] as const).flatMap((key) =>
    missingFiles(['adaptive', key], config.adaptive[key]),
  );
  if (problems.length > 0) throw new ConfigError(problems);
}

/** A problem for each of the files named at `path` that does not exist. */
function missingFiles(path: string[], files: string[]): string[] {
  return files.filter((file) => !existsSync(file)).map((file) => `${path.join('.')} (${envName(path)}): ${file} does not exist`);
}

function assertProductionReady(config: TesseraConfig): void {
  const problems: string[] = [];
  if (!config.server.publicUrl.startsWith('https://')) {
    problems.push(
      `server.publicUrl (${envName(['server', 'publicUrl'])}): production requires an https:// URL, got ${config.server.publicUrl}`,
    );
  }
  if (config.secrets.keys.length === 0) {
    problems.push(
      `secrets.keys (${envName(['secrets', 'keys'])}): production requires your own keys, e.g. TESSERA_SECRETS_KEYS=k1:$(openssl rand -base64 32)`,
    );
  }
  if (config.secrets.keys.some((key) => key.id.startsWith('dev'))) {
    problems.push(
      `secrets.keys (${envName(['secrets', 'keys'])}): development keys (ids starting with "dev") are refused in production`,
    );
  }
  for (const provider of config.sso.providers.filter((candidate) => !candidate.issuer.startsWith('https://'))) {
    problems.push(`sso.providers (${envName(['sso', 'providers'])}): ${provider.id}'s issuer must be https:// in production`);
  }
  const emailProviders = { smtp: config.delivery.smtp.host, webhook: config.delivery.webhook.url };
  if (!config.delivery.emailProviders.some((name) => emailProviders[name])) {
    problems.push(
      `delivery.smtp.host (${envName(['delivery', 'smtp', 'host'])}) or delivery.webhook.url (${envName(['delivery', 'webhook', 'url'])}): ` +
        'production needs a way to send email, which confirms accounts; set up SMTP, a webhook or both, ' +
        'named in delivery.emailProviders (Twilio sends only SMS and voice; the development outbox is refused)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`${file}: ${(error as Error).message}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError([`${file}: must hold a YAML mapping such as "server:\\n  port: 4000"`]);
  }
  return parsed as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
