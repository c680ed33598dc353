import type { TesseraConfig } from '../config.js';
import type { OutboundMessage } from '../core/ports.js';
import { html, type SafeHtml } from '../http/pages/html.js';

const font = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';
const monospace = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
const link = /^https?:\/\/\S+$/;
const code = /^(?=.*\d)[A-Z0-9]{2,}(?:[ -][A-Z0-9]{2,})*$/;

/**
 * The HTML version of an email: its text in a plain branded frame that mail clients render
 * alike, so styles are inline and the layout is tables. Each line of the text stays a line, a
 * link alone on its line becomes a link, and a code alone in its paragraph is set large.
 */
export function renderEmailHtml(message: Pick<OutboundMessage, 'subject' | 'text'>, branding: TesseraConfig['branding']): string {
  const { productName, primaryColor, primaryTextColor } = branding;
  const paragraphs = message.text
    .trim()
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) => paragraph.split(/\r?\n/));
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>${message.subject}</title>
      </head>
      <body style="margin: 0; padding: 0; background: #f4f6fb">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background: #f4f6fb">
          <tr>
            <td align="center" style="padding: 24px 12px">
              <table
                role="presentation"
                width="100%"
                cellpadding="0"
                cellspacing="0"
                style="max-width: 560px; background: #ffffff; border: 1px solid #d9deea; border-radius: 10px"
              >
                <tr>
                  <td
                    style="padding: 16px 24px; background: ${primaryColor}; color: ${primaryTextColor}; border-radius: 10px 10px 0 0; font: 700 18px/1.3 ${font}"
                  >
                    ${productName}
                  </td>
                </tr>
                <tr>
                  <td style="padding: 24px; color: #1a2233; font: 16px/1.5 ${font}">
                    <h1 style="margin: 0 0 16px; font-size: 20px; line-height: 1.3">${message.subject}</h1>
                    ${paragraphs.map((lines) => paragraph(lines, primaryColor))}
                  </td>
                </tr>
              </table>
              <p style="margin: 16px 0 0; color: #5b6577; font: 13px/1.5 ${font}">Sent by ${productName}</p>
            </td>
          </tr>
        </table>
      </body>
    </html>`.toString();
}

function paragraph(lines: string[], primaryColor: string): SafeHtml {
  const [only] = lines;
  if (lines.length === 1 && only !== undefined && code.test(only.trim())) {
    return html`<p style="margin: 0 0 16px; font: 700 28px/1.2 ${monospace}; letter-spacing: 4px">${only.trim()}</p>`;
  }
  const rendered = lines.map((line, index) => {
    const text = line.trim();
    const content = link.test(text)
      ? html`<a href="${text}" style="color: ${primaryColor}; word-break: break-all">${text}</a>`
      : text;
    return index === 0 ? html`${content}` : html`<br />${content}`;
  });
  return html`<p style="margin: 0 0 16px">${rendered}</p>`;
}
