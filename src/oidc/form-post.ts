import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Renders the page that posts an authorization response to the app: a form with id `form-post`
 * to `action` with `fields` and a submit button, and after it `script`, fixed, inline as it is.
 */
export type FormPostPage = (action: string, fields: Record<string, string>, script: string) => string;

/** Submits the form at once; where scripts do not run, the page's Continue button does. */
const script = "document.getElementById('form-post').submit();";
const scriptSource = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

/** `csp` with a source added to each directive named, the directive added where it is missing. */
function withSources(csp: string, sources: Record<string, string>): string {
  const directives = csp
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean);
  for (const [name, source] of Object.entries(sources)) {
    const index = directives.findIndex((directive) => directive.split(/\s+/)[0] === name);
    if (index === -1) directives.push(`${name} ${source}`);
    else directives[index] += ` ${source}`;
  }
  return directives.join(';');
}

/**
 * The `form_post` response mode on Tessera's own page. Tessera's Content-Security-Policy allows
 * no inline script and forms to its own origin only, so this response's policy adds the hash of
 * the one fixed script and the redirect URI's origin as a form target; nothing else is loosened.
 */
export function formPostResponse(page: FormPostPage) {
  return (ctx: KoaContextWithOIDC, redirectUri: string, payload: Record<string, unknown>): void => {
    const fields = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, String(value)]));
    // As oidc-provider's own form_post: an error is a 400 unless the provider chose a status already.
    if (![200, 400, 500].includes(ctx.status)) ctx.status = 'error' in fields ? 400 : 200;
    ctx.type = 'html';
    ctx.set(
      'content-security-policy',
      withSources(ctx.response.get('content-security-policy'), {
        'script-src': scriptSource,
        'form-action': new URL(redirectUri).origin,
      }),
    );
    ctx.body = page(redirectUri, fields, script);
  };
}
