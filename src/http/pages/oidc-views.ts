import type { TesseraConfig } from '../../config.js';
import { html, SafeHtml } from './html.js';
import { layout } from './layout.js';

const page = (config: TesseraConfig, body: SafeHtml) =>
  layout({ branding: config.branding, devOutbox: config.mode === 'development' }, 'Back to the app', body).toString();

/** The page that posts an authorization response to the app (`response_mode=form_post`): its script submits the form, or the person does. */
export function formPostPage(config: TesseraConfig, action: string, fields: Record<string, string>, script: string): string {
  return page(
    config,
    html`<section class="card" aria-labelledby="title">
      <h1 id="title">Back to the app</h1>
      <p class="lead">Taking you back to the app. If nothing happens, select Continue.</p>
      <form method="post" action="${action}" id="form-post" class="stack">
        ${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
        <button type="submit" class="button" autofocus>Continue</button>
      </form>
      <script>${new SafeHtml(script)}</script>
    </section>`,
  );
}

/** The page between signing in and the app: the `Refresh` header sent with it moves on at once, the link without it. */
export function backToAppPage(config: TesseraConfig, next: string): string {
  return page(
    config,
    html`<section class="card" aria-labelledby="title">
      <h1 id="title">Back to the app</h1>
      <p class="lead">You are signed in. Taking you back to the app.</p>
      <p><a class="button" href="${next}">Continue</a></p>
    </section>`,
  );
}
