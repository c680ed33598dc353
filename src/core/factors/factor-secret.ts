import type { Factor } from '../ports.js';

/** Associated data binding a factor's sealed secret (TOTP key or address) to its user and factor. */
export const factorSecretContext = (factor: Pick<Factor, 'userId' | 'id'>) => `factor:${factor.userId}:${factor.id}`;
