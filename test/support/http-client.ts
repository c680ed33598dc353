import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/** Drives the app through `inject()` like one browser: it keeps cookies between requests. */
export class TestBrowser {
  readonly cookies = new Map<string, string>();

  /** The address every request comes from, as the browser's network; `inject()`'s 127.0.0.1 when unset. */
  ip?: string;

  /**
   * `app` is the server it talks to, which a test may point at a restarted one; `userAgent` is
   * sent with every request, as a real browser sends its own.
   */
  constructor(
    public app: FastifyInstance,
    private readonly userAgent?: string,
  ) {}

  async request(options: InjectOptions): Promise<LightMyRequestResponse> {
    // Values are kept decoded, as light-my-request reads them, and sent encoded, as a browser sends them back.
    const cookieHeader = [...this.cookies].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
    const response = await this.app.inject({
      ...(this.ip ? { remoteAddress: this.ip } : {}),
      ...options,
      headers: {
        ...(cookieHeader ? { cookie: cookieHeader } : {}),
        ...(this.userAgent ? { 'user-agent': this.userAgent } : {}),
        ...options.headers,
      },
    });
    for (const cookie of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const expired = cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now());
      if (expired || cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    return response;
  }

  get(url: string): Promise<LightMyRequestResponse> {
    return this.request({ method: 'GET', url });
  }

  postJson(url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.request({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
  }

  /** Loads the page holding the form, then posts the fields with the page's CSRF token. */
  async submitForm(
    pageUrl: string,
    action: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${pageUrl} (status ${page.statusCode})`);
    return this.request({
      method: 'POST',
      url: action,
      payload: new URLSearchParams({ _csrf: token, ...fields }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    });
  }
}
