/**
 * What an API key may call, a closed list: a route names the scope it needs, and a key reaches
 * only the routes of its scopes. The keys of `hostApi.keys` in the configuration hold every scope.
 */
export const apiScopes = ['people', 'prompt', 'sign_in_links', 'grants', 'phone_numbers', 'webhooks'] as const;

export type ApiScope = (typeof apiScopes)[number];

/** What each scope lets a key do, as the admin console and the CLI describe it. */
export const apiScopeWords: Record<ApiScope, string> = {
  people: 'Create and update people',
  prompt: 'Exchange prompt codes',
  sign_in_links: 'Mint sign-in links',
  grants: 'Redeem step-up grants (POST /api/v1/grants/consume)',
  phone_numbers: 'Register verified phone numbers (POST /api/v1/host/phone-numbers)',
  webhooks: 'Manage webhook subscriptions',
};

export const isApiScope = (value: string): value is ApiScope => (apiScopes as readonly string[]).includes(value);
