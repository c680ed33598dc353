import type { ApiScope } from '../../src/core/api-scopes.js';

/**
 * Who may call a route, as the code enforces it:
 * - `anonymous`: anyone.
 * - `link`: the `c` and `t` of an emailed link (a sign-in link, a password reset, an address to confirm).
 * - `sso`: a sign-in this browser started at an upstream provider (its sealed cookie), and the provider's answer.
 * - `pending`: a pending sign-in cookie, the password (or the address, without one) done and the second factor not yet.
 * - `prompt`: an app's signed prompt request, then the prompt cookie it sets.
 * - `session`: a signed-in session (`requireAuth`, `requireSignedInPage`).
 * - `secondFactor`: a session and a current second factor given with the request, every time.
 * - `action:<name>`: a session and the protected action's second factor, given with the request or approved
 *   in this session within the action's window (`authorizeAction`; `factor.add` is `mayChangeSignInMethods`).
 * - `admin`: an instance or organization administrator with a recent second factor (`admin.act`).
 * - `instanceAdmin`: the same, and an instance administrator (`admin.emails`).
 * - `apiKey:<scope>`: an API key holding the scope (`requireApiKey`).
 * - `metricsToken`: the bearer token of `metrics.token`.
 * - `oidc`: the OpenID Connect provider's mount, where its protocol decides.
 */
export type Access =
  | 'anonymous'
  | 'link'
  | 'sso'
  | 'pending'
  | 'prompt'
  | 'session'
  | 'secondFactor'
  | `action:${string}`
  | 'admin'
  | 'instanceAdmin'
  | `apiKey:${ApiScope}`
  | 'metricsToken'
  | 'oidc';

export interface RouteAccess {
  access: Access;
  /** A session that may only set up a method (a policy requires one) reaches it too. */
  duringSetup?: true;
  /** Without the credential it answers as it would for an unknown address: the refusal is that nothing happens. */
  alike?: true;
  reason?: string;
}

const anonymous: RouteAccess = { access: 'anonymous' };
const link: RouteAccess = { access: 'link' };
const pending: RouteAccess = { access: 'pending' };
const session: RouteAccess = { access: 'session' };
const setup: RouteAccess = { access: 'session', duringSetup: true };
const addingMethod: RouteAccess = { access: 'action:factor.add', duringSetup: true };
const finishingMethod: RouteAccess = {
  access: 'session',
  duringSetup: true,
  reason: 'Finishes what its start, which needed factor.add, began for this person.',
};
const admin: RouteAccess = { access: 'admin' };
const instanceAdmin: RouteAccess = { access: 'instanceAdmin' };
const action = (name: string): RouteAccess => ({ access: `action:${name}` });
const oidc: RouteAccess = { access: 'oidc', reason: 'oidc-provider answers: client authentication, tokens and its own cookies.' };

/** Every route of the server, as `METHOD /pattern` the way Fastify registers it. */
export const routeAccess: Record<string, RouteAccess> = {
  // Operations, and what is public by nature
  'GET /healthz': anonymous,
  'GET /readyz': anonymous,
  'GET /metrics': { access: 'metricsToken', reason: 'Anyone while metrics.token is empty: keep /metrics off the internet then.' },
  'GET /.well-known/jwks.json': anonymous,
  'GET /api/v1/openapi.json': anonymous,
  'GET /docs/api': anonymous,
  'GET /dev/outbox': { access: 'anonymous', reason: 'Development only: production does not register it.' },

  // Signing up and in
  'GET /': anonymous,
  'GET /sign-in': anonymous,
  'POST /sign-in': anonymous,
  'POST /sign-in/passkey': anonymous,
  'GET /sign-up': anonymous,
  'POST /sign-up': anonymous,
  'POST /api/v1/sign-up': anonymous,
  'POST /api/v1/sign-in': anonymous,
  'POST /api/v1/sign-in/passkey/options': anonymous,
  'POST /api/v1/sign-in/passkey': anonymous,
  'POST /sign-in/passwordless': anonymous,
  'POST /api/v1/sign-in/passwordless': anonymous,
  'GET /sign-in/sso/:id': anonymous,
  'GET /sign-in/sso/:id/callback': { access: 'sso' },

  // Emailed links: asking for one is anyone's; opening one shows a button; pressing it spends the link
  'GET /sign-in/link': anonymous,
  'POST /sign-in/link/send': anonymous,
  'POST /api/v1/sign-in/link/send': anonymous,
  'POST /sign-in/link': link,
  'POST /api/v1/sign-in/link': link,
  'GET /forgot-password': anonymous,
  'POST /forgot-password': anonymous,
  'POST /api/v1/password/reset/send': anonymous,
  'GET /reset-password': anonymous,
  'POST /reset-password': link,
  'POST /api/v1/password/reset': link,
  'GET /verify-email': anonymous,
  'POST /verify-email': link,
  'POST /api/v1/email/verify': { access: 'link', reason: 'Needs no session: the link may be opened in another browser.' },

  // The second step of a sign-in
  'GET /sign-in/verify': pending,
  'POST /sign-in/verify': pending,
  'POST /sign-in/verify/send': pending,
  'POST /api/v1/sign-in/second-factor': pending,
  'POST /api/v1/sign-in/webauthn-options': pending,
  'POST /api/v1/sign-in/send-code': pending,
  'POST /sign-in/passwordless/send': { access: 'pending', alike: true },
  'POST /sign-in/passwordless/verify': { access: 'pending', alike: true },
  'POST /api/v1/sign-in/passwordless/send': { access: 'pending', alike: true },
  'POST /api/v1/sign-in/passwordless/verify': { access: 'pending', alike: true },

  // Signing out
  'GET /sign-out': setup,
  'POST /sign-out': { access: 'anonymous', reason: 'Ends the session if there is one; without, it only clears the cookie.' },
  'POST /api/v1/sign-out': setup,

  // The signed-in person's own account
  'GET /account': setup,
  'GET /api/v1/me': setup,
  'POST /account/action-code': session,
  'GET /account/confirm': session,
  'POST /account/confirm': session,
  'POST /api/v1/session/confirm': session,
  'POST /account/verify-email': setup,
  'POST /api/v1/email/verification': setup,
  'POST /account/email': action('email.change'),
  'POST /api/v1/email/change': action('email.change'),
  'POST /account/password': action('password.change'),
  'POST /api/v1/password': action('password.change'),
  'POST /account/delete': action('account.delete'),
  'POST /api/v1/account/delete': action('account.delete'),

  // Second factors
  'GET /api/v1/factors': setup,
  'GET /account/authenticator': addingMethod,
  'POST /account/authenticator': addingMethod,
  'POST /api/v1/factors/totp': addingMethod,
  'POST /account/authenticator/confirm': finishingMethod,
  'POST /api/v1/factors/totp/confirm': finishingMethod,
  'GET /account/email-codes': addingMethod,
  'POST /account/email-codes': addingMethod,
  'POST /api/v1/factors/email': addingMethod,
  'POST /account/email-codes/confirm': finishingMethod,
  'POST /api/v1/factors/email/confirm': finishingMethod,
  'GET /account/phone': setup,
  'POST /account/phone': {
    access: 'secondFactor',
    duringSetup: true,
    reason: 'Binding a new authenticator: a current code once two-step verification is on, else the password.',
  },
  'POST /api/v1/factors/phone': {
    access: 'secondFactor',
    duringSetup: true,
    reason: 'Binding a new authenticator: a current code once two-step verification is on, else the password.',
  },
  'POST /account/phone/confirm': finishingMethod,
  'POST /api/v1/factors/phone/confirm': finishingMethod,
  'GET /account/security-key': addingMethod,
  'GET /account/biometric': addingMethod,
  'POST /api/v1/factors/webauthn/options': addingMethod,
  'POST /account/webauthn': finishingMethod,
  'POST /api/v1/factors/webauthn': finishingMethod,
  'POST /api/v1/factors/webauthn/proof-options': { access: 'session', duringSetup: true, reason: 'Options only: no answer yet.' },
  'POST /account/factors/:factorId/rename': session,
  'PATCH /api/v1/factors/:factorId': session,
  'POST /account/factors/:factorId/primary': { access: 'secondFactor' },
  'POST /api/v1/factors/:factorId/primary': { access: 'secondFactor' },
  'POST /account/factors/:factorId/remove': action('factor.remove'),
  'DELETE /api/v1/factors/:factorId': action('factor.remove'),
  'POST /account/recovery-codes': action('recovery_codes.regenerate'),
  'POST /api/v1/recovery-codes': action('recovery_codes.regenerate'),
  'POST /account/mfa/later': { access: 'session', reason: 'Takes the password.' },
  'POST /api/v1/mfa/require-at-next-sign-in': { access: 'session', reason: 'Takes the password.' },
  'POST /account/mfa/off': action('mfa.disable'),
  'POST /api/v1/mfa/off': action('mfa.disable'),
  'POST /account/mfa/reset': action('mfa.reset'),
  'POST /api/v1/mfa/reset': action('mfa.reset'),
  'POST /account/setup/send-code': setup,
  'POST /api/v1/mfa/setup/send-code': setup,
  'POST /account/setup/unlock': { access: 'session', duringSetup: true, reason: 'Takes the password and a code emailed to it.' },
  'POST /api/v1/mfa/setup/unlock': {
    access: 'session',
    duringSetup: true,
    reason: 'Takes the password and a code emailed to it.',
  },

  // Sessions and trusted devices
  'GET /api/v1/sessions': session,
  'DELETE /api/v1/sessions': session,
  'DELETE /api/v1/sessions/:id': session,
  'POST /account/sessions/:id/end': session,
  'POST /account/sessions/end-others': session,
  'GET /api/v1/activity': session,
  'GET /api/v1/trusted-devices': session,
  'DELETE /api/v1/trusted-devices': session,
  'DELETE /api/v1/trusted-devices/:id': session,
  'POST /account/devices/:id/revoke': session,
  'POST /account/devices/revoke-all': session,

  // Step-up: the session approves an action here, which is what gives the approval
  'GET /step-up': session,
  'POST /step-up/send-code': session,
  'POST /step-up/verify': session,
  'POST /api/v1/step-up': session,
  'POST /api/v1/step-up/send-code': session,
  'POST /api/v1/step-up/webauthn-options': session,
  'POST /api/v1/step-up/verify': session,

  // The MFA-only prompt for apps that keep their own login
  'GET /prompt': { access: 'prompt' },
  'GET /prompt/continue': { access: 'prompt' },
  'GET /prompt/setup': { access: 'prompt', reason: 'And the Tessera session that began with this prompt.' },
  'POST /prompt/setup': { access: 'prompt', reason: 'And the Tessera session that began with this prompt.' },

  // Server to server
  'POST /api/v1/grants/consume': { access: 'apiKey:grants' },
  'POST /api/v1/host/phone-numbers': { access: 'apiKey:phone_numbers' },
  'PUT /api/v1/host/people/:externalId': { access: 'apiKey:people' },
  'POST /api/v1/host/people/:externalId/sign-in-links': { access: 'apiKey:sign_in_links' },
  'POST /api/v1/host/prompt/exchange': { access: 'apiKey:prompt' },

  // The admin console: people outside an administrator's organizations are "not found" within it
  'GET /admin': admin,
  'GET /admin/people/:id': admin,
  'POST /admin/people/:id/reset-mfa': admin,
  'POST /admin/people/:id/unlock': admin,
  'POST /admin/people/:id/revoke-sessions': admin,
  'POST /admin/people/:id/operator-code': admin,
  'GET /admin/events': admin,
  'GET /admin/events.csv': admin,
  'GET /admin/coverage': admin,
  'GET /admin/orgs': admin,
  'POST /admin/orgs': instanceAdmin,
  'GET /admin/orgs/:id': admin,
  'POST /admin/orgs/:id/policy': admin,
  'POST /admin/orgs/:id/members': {
    access: 'admin',
    reason: 'Only an instance administrator adds someone who is not a member yet.',
  },
  'POST /admin/orgs/:id/members/:userId/remove': admin,
  'GET /admin/oidc': instanceAdmin,
  'POST /admin/oidc': instanceAdmin,
  'POST /admin/oidc/remove': instanceAdmin,
  'GET /admin/webhooks': instanceAdmin,
  'POST /admin/webhooks': instanceAdmin,
  'GET /admin/webhooks/:id': instanceAdmin,
  'POST /admin/webhooks/disable': instanceAdmin,
  'POST /admin/webhooks/remove': instanceAdmin,
  'GET /admin/api-keys': instanceAdmin,
  'POST /admin/api-keys': instanceAdmin,
  'POST /admin/api-keys/revoke': instanceAdmin,

  // The OpenID Connect provider
  'GET /oidc': oidc,
  'POST /oidc': oidc,
  'OPTIONS /oidc': oidc,
  'DELETE /oidc': oidc,
  'GET /oidc/*': oidc,
  'POST /oidc/*': oidc,
  'OPTIONS /oidc/*': oidc,
  'DELETE /oidc/*': oidc,
  'GET /oidc-interaction/:uid': {
    access: 'session',
    reason: 'Then the provider’s interaction cookie, and the app’s acr_values and max_age.',
  },
};
