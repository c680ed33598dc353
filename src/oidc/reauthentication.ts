import type { OidcPayloadRepository } from '../core/ports.js';

const model = 'TesseraReauthentication';

/**
 * When an interaction last sent the person to sign in again, so that the sign-in that follows
 * counts as recent. The interaction's own `iat` is in whole seconds: a sign-in in the same second
 * could not otherwise be told apart from one just before, and `max_age=0` would let it through.
 */
export function reauthentications(payloads: OidcPayloadRepository, now: () => number) {
  return {
    async mark(uid: string, lifetimeMs: number): Promise<void> {
      await payloads.upsert(model, uid, { payload: JSON.stringify({ at: now() }), expiresAt: now() + lifetimeMs });
    },

    /** Whether a sign-in at `authTime` meets the interaction's `max_age` (seconds, from its start at `iat` seconds). */
    async recentEnough(uid: string, interaction: { iat: number; maxAge: number }, authTime: number): Promise<boolean> {
      const marked = await payloads.find(model, uid, now());
      if (marked) return authTime > (JSON.parse(marked.payload) as { at: number }).at;
      return interaction.maxAge > 0 && authTime >= (interaction.iat - interaction.maxAge) * 1000;
    },
  };
}
