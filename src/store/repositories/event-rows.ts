import type { SecurityEvent } from '../../core/ports.js';

/** The columns a security event is stored in, shared by the event log and the notices waiting to be sent. */
export interface EventColumns {
  type: string;
  user_id: string | null;
  ip: string;
  user_agent: string | null;
  outcome: string;
  at: number;
  detail: string | null;
}

export function eventColumns(event: SecurityEvent): EventColumns {
  return {
    type: event.type,
    user_id: event.userId,
    ip: event.ip,
    user_agent: event.userAgent?.slice(0, 512) ?? null,
    outcome: event.outcome,
    at: event.at,
    detail: event.detail ? JSON.stringify(event.detail) : null,
  };
}

export function eventFromColumns(row: EventColumns): SecurityEvent {
  return {
    type: row.type as SecurityEvent['type'],
    userId: row.user_id,
    ip: row.ip,
    ...(row.user_agent ? { userAgent: row.user_agent } : {}),
    outcome: row.outcome as SecurityEvent['outcome'],
    at: row.at,
    ...(row.detail ? { detail: JSON.parse(row.detail) as Record<string, unknown> } : {}),
  };
}
