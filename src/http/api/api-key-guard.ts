import type { FastifyRequest, RouteOptions } from 'fastify';
import type { ApiScope } from '../../core/api-scopes.js';
import type { CoreDeps } from '../../core/deps.js';
import { authenticateApiKey } from '../../core/flows/authenticate-api-key.js';

const guards = new WeakSet<object>();

/**
 * A route's `onRequest` hook for server-to-server calls: the request goes on only with an API
 * key holding `scope` (401 without a valid key, 403 without the scope), before its body is read.
 */
export function requireApiKey(deps: CoreDeps, scope: ApiScope) {
  const guard = async (request: FastifyRequest): Promise<void> => {
    await authenticateApiKey(deps, request.headers.authorization, scope);
  };
  guards.add(guard);
  return guard;
}

/** Whether the route's `onRequest` hooks include a `requireApiKey` guard. */
export function isGuardedByApiKey(route: Pick<RouteOptions, 'onRequest'>): boolean {
  return [route.onRequest ?? []].flat().some((hook) => guards.has(hook));
}
