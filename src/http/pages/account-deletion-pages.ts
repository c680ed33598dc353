import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { deleteAccount } from '../../core/flows/delete-account.js';
import { formatTime } from '../../core/format.js';
import { password } from '../api/schemas.js';
import { requireSignedInPage } from '../authentication.js';
import { originOf } from '../sign-in-response.js';
import type { AccountRenderer } from './account-pages.js';
import { signedOutPage } from './signed-out-page.js';
import { formFailure, type PageScope } from './page-kit.js';
import { actionProofFromForm, proofFields } from './proof-field.js';

const deletionForm = z.object({ password, ...proofFields, confirmDeletion: z.literal('on', 'tick the box to confirm') });

/** "Delete my account": at once, or after the configured grace period, which signing in ends. */
export function accountDeletionPages(
  app: FastifyInstance,
  { config, deps, render, renderAccount }: PageScope & { renderAccount: AccountRenderer },
) {
  app.post('/account/delete', { preHandler: requireSignedInPage }, async (request, reply) => {
    let outcome: Awaited<ReturnType<typeof deleteAccount>>;
    try {
      const input = deletionForm.parse(request.body);
      outcome = await deleteAccount(deps, {
        ...request.auth!,
        password: input.password,
        confirm: true,
        ...actionProofFromForm(input),
        ...originOf(request),
      });
    } catch (error) {
      return renderAccount(request, reply, formFailure(error));
    }
    return signedOutPage(
      { config, render },
      request,
      reply,
      outcome.dueAt === null
        ? 'Your account was deleted. Thank you for using it.'
        : `Your account will be deleted on ${formatTime(outcome.dueAt)} and you were signed out everywhere. Sign in before then to keep it.`,
    );
  });
}
