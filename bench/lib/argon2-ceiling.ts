import { hash } from '@node-rs/argon2';
import { argon2Parameters } from '../../src/crypto/argon2-hasher.js';

/** Argon2id hashes per second with the server's parameters, `inFlight` at once, for about `seconds`. */
export async function argon2Ceiling(seconds = 3, inFlight = 4): Promise<number> {
  let done = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        await hash('bench horse battery staple', argon2Parameters);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
