import { z } from 'zod';

export const email = z.email('must be an email address like name@example.com').max(254);
/** Passwords are checked for length by the policy; the schema only bounds the request size. */
export const password = z.string('must be a string').min(1, 'is required').max(4096);

export const credentials = z.object({ email, password });

export const userView = z.object({ id: z.string(), email: z.string() });
export const sessionView = z.object({
  aal: z.number().int(),
  amr: z.array(z.string()),
  authTime: z.number().int(),
  expiresAt: z.number().int(),
});

export const errorView = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
