import { html, type SafeHtml } from './html.js';

/** After "email me a link": the same page whether or not the address belongs to anyone. */
export function checkEmailView(lead: string): SafeHtml {
  return html`<section class="card" aria-labelledby="title">
    <h1 id="title">Check your email</h1>
    <p class="lead">${lead}</p>
    <p class="switch"><a href="/sign-in">Back to sign in</a></p>
  </section>`;
}
