import { csrfField } from './account-views.js';
import { html, type SafeHtml } from './html.js';

/**
 * The page an emailed link opens shows this button and only its press spends the link, so mail
 * scanners that fetch every link do not.
 */
export function linkButtonForm(csrfToken: string, action: string, link: { c: string; t: string }, button: string): SafeHtml {
  return html`<form method="post" action="${action}" class="stack">
    ${csrfField(csrfToken)}
    <input type="hidden" name="c" value="${link.c}" />
    <input type="hidden" name="t" value="${link.t}" />
    <button type="submit" class="button">${button}</button>
  </form>`;
}

/** After "email me a link": the same page whether or not the address belongs to anyone. */
export function checkEmailView(lead: string): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Check your email</h1>
    <p class="lead">${lead}</p>
    <p class="switch"><a href="/sign-in">Back to sign in</a></p>
  </section>`;
}
