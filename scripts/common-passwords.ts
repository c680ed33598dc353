import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Writes src/core/data/common-passwords.json: the 10,000 most common passwords of the xato
 * corpus as ranked by @zxcvbn-ts/language-common (MIT), most common first. Bundling the list
 * keeps the 49,000-entry dictionary out of the running server.
 */
const target = fileURLToPath(new URL('../src/core/data/common-passwords.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(dictionary['passwords-common'].slice(0, 10_000), null, 0)}\n`);
process.stdout.write(`Wrote ${target}\n`);
