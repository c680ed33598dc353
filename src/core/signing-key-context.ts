/** What a signing key's sealed private half is bound to, so it cannot pass for another key's. */
export const signingKeyContext = (kid: string) => `signing-key:${kid}`;
