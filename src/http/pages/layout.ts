import type { TesseraConfig } from '../../config.js';
import { html, type SafeHtml } from './html.js';

export interface PageContext {
  branding: TesseraConfig['branding'];
  /** The signed-in person's email, shown in the header with a sign-out button. */
  signedInAs?: string;
  /** CSRF token for the header's sign-out form. */
  csrfToken?: string;
  /** Links the footer to the development outbox, which exists in development only. */
  devOutbox: boolean;
  /** This browser is a trusted device, so Sign out leads to the page that can also forget it. */
  trustedDevice?: boolean;
}

/** The frame of every page: header with the product name, one centred card, footer. */
export function layout(context: PageContext, title: string, body: SafeHtml): SafeHtml {
  const { branding } = context;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · ${branding.productName}</title>
        <link rel="stylesheet" href="/assets/styles.css" />
        <link rel="stylesheet" href="/assets/theme.css" />
        <script src="/assets/vendor/simplewebauthn-browser.js" defer></script>
        <script src="/assets/webauthn.js" defer></script>
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href="/">${branding.logoUrl ? html`<img src="${branding.logoUrl}" alt="" class="brand-logo" />` : ''}<span>${branding.productName}</span></a>
          ${
            context.signedInAs
              ? html`<form method="${context.trustedDevice ? 'get' : 'post'}" action="/sign-out" class="topbar-signout">
                  <span class="topbar-user">${context.signedInAs}</span>
                  ${context.trustedDevice ? '' : html`<input type="hidden" name="_csrf" value="${context.csrfToken ?? ''}" />`}
                  <button type="submit" class="button-link">Sign out</button>
                </form>`
              : ''
          }
        </header>
        <main id="main">${body}</main>
        <footer class="footer">
          Protected by ${branding.productName}${context.devOutbox ? html` · <a href="/dev/outbox">Development outbox</a>` : ''}
        </footer>
      </body>
    </html>`;
}

/** An error or notice above a form; announced to screen readers. */
export function alert(kind: 'error' | 'success', message: string | undefined): SafeHtml {
  if (!message) return html``;
  return html`<div class="alert alert-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</div>`;
}
