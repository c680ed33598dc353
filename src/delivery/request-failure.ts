/** Why an HTTP request got no answer, for the log: the timeout, or the socket's error code such as `ECONNREFUSED`. */
export function requestFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : 'request failed';
}
