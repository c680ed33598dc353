import { html, type SafeHtml } from './html.js';

/** Text with `code` spans, as the OpenAPI document's descriptions write them. */
export function prose(text: string): SafeHtml {
  return html`${text.split('`').map((part, index) => (index % 2 === 1 ? html`<code>${part}</code>` : part))}`;
}
