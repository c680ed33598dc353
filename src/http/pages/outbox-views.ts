import type { OutboxMessage } from '../../core/ports.js';
import { formatTime } from '../../core/format.js';
import { html, type SafeHtml } from './html.js';

/** Every message Tessera kept instead of sending, newest first, each in full. */
export function outboxView(messages: OutboxMessage[]): SafeHtml {
  return html`<section class="card card-wide" aria-labelledby="title">
    <h1 id="title">Development outbox</h1>
    <p class="lead">
      With no SMTP server or webhook configured, development keeps every email and SMS here instead of sending it. The
      newest 50 are shown; production has no outbox.
    </p>
    ${
      messages.length === 0
        ? html`<p>No messages yet.</p>`
        : html`<ol class="outbox">
          ${messages.map(
            (message) =>
              html`<li class="outbox-message">
                <h2 class="outbox-subject">${message.subject || message.purpose}</h2>
                <dl class="facts">
                  <dt>Time</dt>
                  <dd><time datetime="${new Date(message.createdAt).toISOString()}">${formatTime(message.createdAt)}</time></dd>
                  <dt>Channel</dt>
                  <dd>${message.channel}</dd>
                  <dt>To</dt>
                  <dd>${message.to}</dd>
                  <dt>Purpose</dt>
                  <dd>${message.purpose}</dd>
                </dl>
                <pre class="outbox-text">${withLinks(message.text)}</pre>
              </li>`,
          )}
        </ol>`
    }
  </section>`;
}

/** The message text with its links clickable, so a verification link can be followed from here. */
function withLinks(text: string): SafeHtml[] {
  return text.split(/(https?:\/\/\S+)/).map((part, index) => (index % 2 ? html`<a href="${part}">${part}</a>` : html`${part}`));
}
