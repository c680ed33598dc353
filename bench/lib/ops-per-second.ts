/**
 * Operations per second of an async `operation` for about `ms` milliseconds, 16 at a time: Web
 * Crypto works on libuv's thread pool, so one at a time would measure the round trip to it,
 * not what a busy server gets.
 */
export async function opsPerSecond(operation: () => Promise<unknown>, ms = 700): Promise<number> {
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < ms) {
    await Promise.all(Array.from({ length: 16 }, operation));
    count += 16;
  }
  return count / ((performance.now() - started) / 1000);
}
