/** The path the provider is mounted at; the issuer is the public URL with it. */
export const oidcMount = '/oidc';

/** Where the provider sends the browser for Tessera's pages to sign the person in. */
export const interactionPath = (uid: string) => `/oidc-interaction/${uid}`;
