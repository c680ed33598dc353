/** Where a `Refresh: 0;url=…` header moves the browser on to at once, as browsers do. */
const refreshTo = (response: Response) => /^0;\s*url=(.+)$/i.exec(response.headers.get('refresh') ?? '')?.[1];

/** A browser over real HTTP that follows Tessera's redirects itself, keeping its cookies, until it is sent elsewhere. */
export class HttpBrowser {
  readonly jar = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async fetch(
    url: string,
    init: { method?: string; form?: Record<string, string>; json?: unknown; headers?: Record<string, string> } = {},
  ) {
    const body = init.form
      ? new URLSearchParams(init.form).toString()
      : init.json === undefined
        ? undefined
        : JSON.stringify(init.json);
    const response = await fetch(new URL(url, this.origin), {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      redirect: 'manual',
      headers: {
        origin: this.origin,
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
        cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...init.headers,
      },
      body,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const separator = pair.indexOf('=');
      const [name, value] = [pair.slice(0, separator).trim(), pair.slice(separator + 1)];
      if (value === '' || attributes.some((attribute) => /max-age=0/i.test(attribute))) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return response;
  }

  /** Follows redirects within Tessera from `url`; answers the last response and where it stopped. */
  async follow(url: string, init: Parameters<HttpBrowser['fetch']>[1] = {}): Promise<{ response: Response; url: URL }> {
    let next = new URL(url, this.origin);
    let response = await this.fetch(next.href, init);
    while ((response.status >= 300 && response.status < 400) || refreshTo(response)) {
      next = new URL(refreshTo(response) ?? response.headers.get('location')!, next);
      if (next.origin !== this.origin) return { response, url: next };
      response = await this.fetch(next.href);
    }
    return { response, url: next };
  }

  /** Posts the page's form for `action` (the page's own path by default) with its hidden fields, then follows where it leads. */
  async submit(page: string, fields: Record<string, string>, action = new URL(page, this.origin).pathname) {
    const html = await (await this.fetch(page)).text();
    const form = [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].find(
      (match) => match[1] === action,
    );
    if (!form) throw new Error(`no form for ${action} on ${page}`);
    const hidden = Object.fromEntries(
      [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((input) => [input[1]!, input[2]!]),
    );
    return this.follow(action, { form: { ...hidden, ...fields } });
  }

  /** A JSON request to one instance (any of several behind the same public origin), answered as status and parsed body. */
  async send(instance: { url: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await this.fetch(instance.url + path, { method, json: body, headers });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}
