import type { CoreDeps } from '../deps.js';
import { describeEvent } from '../event-words.js';
import { maskEmail } from '../factors/oob-code.js';
import { describeBrowser, formatTime } from '../format.js';
import type { OutboundMessage, SecurityEvent, User } from '../ports.js';

/** How many people and addresses one sweep serves; the rest wait for the next. */
const sweepBatch = 100;

/**
 * Emails what waited: one message per person and address, never more often than
 * `securityNotices.minimumIntervalMinutes`, everything since the last one told together.
 * A notice for an unconfirmed address is dropped — until confirmed, it may be someone else's.
 * Returns how many emails went out.
 */
export async function sendSecurityNotices(deps: CoreDeps): Promise<number> {
  const now = deps.clock.now();
  const interval = deps.settings.securityNotices.minimumIntervalMinutes * 60_000;
  const notices = deps.store.securityNotices;
  let sent = 0;
  for (const { userId, recipient } of await notices.listDue(now, now - interval, sweepBatch)) {
    const taken = await notices.take(userId, recipient, now);
    const user = await deps.store.users.findById(userId);
    const to = recipient || (user?.emailVerifiedAt != null ? user.email : undefined);
    if (taken.length === 0 || !user || !to) continue;
    const message = noticeMessage(
      deps,
      user,
      to,
      taken.map((notice) => notice.event),
    );
    if ((await deps.delivery.send(message)).delivered) sent += 1;
    else
      await notices.release(
        taken.map((notice) => notice.id),
        now + Math.max(interval, 60_000),
      );
  }
  return sent;
}

/**
 * What happened, when, from which device and IP, and what to do if it was not the person.
 * Never a code and never a link that signs in: a notice that could be used would be a target.
 */
function noticeMessage(deps: CoreDeps, user: User, to: string, events: SecurityEvent[]): OutboundMessage {
  const { productName } = deps.settings.branding;
  const subject =
    events.length === 1
      ? `Security alert: ${describeEvent(events[0]!)}`
      : `Security alert: ${events.length} events on your ${productName} account`;
  const happenings = events.map(
    (event) =>
      `• ${describeEvent(event)}\n  ${formatTime(event.at)} · ${describeBrowser(event.userAgent ?? null)} · IP address ${event.ip}`,
  );
  const text = [
    `This happened on your ${productName} account ${maskEmail(user.email)}:`,
    happenings.join('\n\n'),
    'If this was you, there is nothing more to do.',
    `If it was not you, someone else may know your password. Go to ${deps.settings.server.publicUrl} yourself — ` +
      'not through a link in an email — sign in, change your password, and review your sign-in methods, ' +
      'sessions and trusted devices on your security page. If you cannot sign in, choose “Forgot your password?” there.',
    `${productName} never asks for your password or your codes by email, text or phone.`,
  ].join('\n\n');
  return { channel: 'email', to, purpose: 'security_notice', subject, text: `${text}\n` };
}
