import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { describeEvent } from '../../core/event-words.js';
import { z } from 'zod';
import type { CoreDeps } from '../../core/deps.js';
import { endOtherSessions, listSessions, recentActivity } from '../../core/flows/session.js';
import { listTrustedDevices, revokeTrustedDevices } from '../../core/flows/trusted-devices.js';
import { requireAuth } from '../authentication.js';
import { epochMs, errorView } from './schemas.js';
import { originOf } from '../sign-in-response.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const sessionsView = z.object({
  sessions: z.array(
    z.object({
      id: z.string(),
      current: z.boolean(),
      aal: z.number().int(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      authTime: epochMs,
      lastSeenAt: epochMs,
      expiresAt: epochMs,
    }),
  ),
});
const devicesView = z.object({
  devices: z.array(
    z.object({
      id: z.string(),
      userAgent: z.string().nullable(),
      createdIp: z.string(),
      lastIp: z.string(),
      createdAt: epochMs,
      lastUsedAt: epochMs,
      expiresAt: epochMs,
    }),
  ),
});
const ended = z.object({ ended: z.number().int() });

/** JSON routes for the person's sessions and trusted devices. */
export const deviceRoutes: FastifyPluginAsyncZod<{ deps: CoreDeps }> = async (app, { deps }) => {
  app.get(
    '/sessions',
    {
      schema: {
        summary: 'Open sessions, this one marked current',
        tags: ['sessions'],
        response: { 200: sessionsView, 401: errorView },
      },
    },
    async (request) => {
      const { user, session: current } = requireAuth(request);
      const sessions = await listSessions(deps, user);
      return {
        sessions: sessions.map(({ id, aal, ip, userAgent, authTime, lastSeenAt, expiresAt }) => ({
          id,
          current: id === current.id,
          aal,
          ip,
          userAgent,
          authTime,
          lastSeenAt,
          expiresAt,
        })),
      };
    },
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        summary: 'Sign another session out',
        description: 'Not this one: that is /sign-out (400 otherwise).',
        tags: ['sessions'],
        params: idParams,
        response: { 200: ended, 400: errorView, 401: errorView, 404: errorView },
      },
    },
    async (request) => {
      const { user, session } = requireAuth(request);
      return {
        ended: await endOtherSessions(deps, { user, current: session, sessionId: request.params.id, ...originOf(request) }),
      };
    },
  );

  app.delete(
    '/sessions',
    {
      schema: {
        summary: 'Sign every other session out',
        description: 'This session stays; `ended` says how many others ended.',
        tags: ['sessions'],
        response: { 200: ended, 401: errorView },
      },
    },
    async (request) => {
      const { user, session } = requireAuth(request);
      return { ended: await endOtherSessions(deps, { user, current: session, ...originOf(request) }) };
    },
  );

  app.get(
    '/activity',
    {
      schema: {
        summary: 'The person’s recent security events, newest first',
        tags: ['sessions'],
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: {
          200: z.object({
            events: z.array(
              z.object({
                type: z.string(),
                outcome: z.enum(['success', 'failure']),
                description: z.string(),
                at: epochMs,
                ip: z.string(),
                userAgent: z.string().optional(),
                detail: z.record(z.string(), z.unknown()).optional(),
              }),
            ),
          }),
          401: errorView,
        },
      },
    },
    async (request) => {
      const events = await recentActivity(deps, requireAuth(request).user, request.query.limit);
      return { events: events.map((event) => ({ ...event, description: describeEvent(event) })) };
    },
  );

  app.get(
    '/trusted-devices',
    {
      schema: {
        summary: 'Browsers that skip the second step at sign-in',
        description:
          'Each until `expiresAt` (`trustedDevices.days` after it was trusted), revoked, or a password change or reset.',
        tags: ['sessions'],
        response: { 200: devicesView, 401: errorView },
      },
    },
    async (request) => {
      const devices = await listTrustedDevices(deps, requireAuth(request).user);
      return { devices: devices.map(({ tokenHash: _hash, userId: _user, ...device }) => device) };
    },
  );

  app.delete(
    '/trusted-devices/:id',
    {
      schema: {
        summary: 'Stop trusting one device',
        description: 'The next sign-in on that browser asks for the second factor again.',
        tags: ['sessions'],
        params: idParams,
        response: { 204: z.null(), 401: errorView, 404: errorView },
      },
    },
    async (request, reply) => {
      await revokeTrustedDevices(deps, { user: requireAuth(request).user, deviceId: request.params.id, ...originOf(request) });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/trusted-devices',
    { schema: { summary: 'Stop trusting every device', tags: ['sessions'], response: { 204: z.null(), 401: errorView } } },
    async (request, reply) => {
      await revokeTrustedDevices(deps, { user: requireAuth(request).user, ...originOf(request) });
      return reply.status(204).send(null);
    },
  );
};
