import { describeEvent } from '../../core/event-words.js';
import { describeBrowser, formatTime } from '../../core/format.js';
import type { SecurityEvent } from '../../core/ports.js';
import { html, type SafeHtml } from './html.js';

/** The person's recent security activity, newest first: what, when, from which device and IP; failures stand out. */
export function activitySection(events: SecurityEvent[]): SafeHtml {
  if (events.length === 0) return html``;
  return html`<h3 id="activity-title">Recent activity</h3>
    <p>If you do not recognise something here, change your password and review your sign-in methods.</p>
    <ul class="activity" aria-labelledby="activity-title">
      ${events.map(
        (event) => html`<li class="${event.outcome === 'failure' ? 'activity-warning' : ''}">
          <span>${describeEvent(event)}</span>
          <span class="hint"
            >${formatTime(event.at)} · ${event.userAgent ? html`${describeBrowser(event.userAgent)} · ` : ''}${event.ip}</span
          >
        </li>`,
      )}
    </ul>`;
}
