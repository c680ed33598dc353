import { describeEvent } from '../../core/event-words.js';
import { describeBrowser, formatTime } from '../../core/format.js';
import type { SecurityEvent } from '../../core/ports.js';
import { html, type SafeHtml } from './html.js';

/** The credit a geolocation database's licence asks for, under a list of events that shows its places. */
export function placesCredit(events: SecurityEvent[]): SafeHtml {
  const credit = events.map((event) => event.detail?.placedBy as { text: string; url: string } | undefined).find(Boolean);
  return credit ? html`<p class="hint">Places of sign-ins: <a href="${credit.url}">${credit.text}</a></p>` : html``;
}

/** Security events, newest first: what, when, from which device and IP; failures stand out. */
export function eventList(events: SecurityEvent[], labelledBy: string): SafeHtml {
  return html`<ul class="activity" aria-labelledby="${labelledBy}">
      ${events.map(
        (event) => html`<li class="${event.outcome === 'failure' ? 'activity-warning' : ''}">
          <span>${describeEvent(event)}</span>
          <span class="hint"
            >${formatTime(event.at)} · ${event.userAgent ? html`${describeBrowser(event.userAgent)} · ` : ''}${event.ip}</span
          >
        </li>`,
      )}
    </ul>
    ${placesCredit(events)}`;
}

/** The person's recent security activity, newest first. */
export function activitySection(events: SecurityEvent[]): SafeHtml {
  if (events.length === 0) return html``;
  return html`<h3 id="activity-title">Recent activity</h3>
    <p>If you do not recognise something here, change your password and review your sign-in methods.</p>
    ${eventList(events, 'activity-title')}`;
}
