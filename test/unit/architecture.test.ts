import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../src');
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
const files = sources(root).map((file) => ({ path: relative(root, file), text: readFileSync(file, 'utf8') }));

describe('architecture', () => {
  it('keeps the core free of HTTP, SQL, mail and Node I/O imports', () => {
    const forbidden = /from '(fastify|@fastify\/[^']+|kysely|better-sqlite3|pg|nodemailer|node:fs|node:http|node:net)'/;
    const offenders = files.filter((file) => file.path.startsWith('core/') && forbidden.test(file.text)).map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('creates sessions only through completeSignIn, called only after the policy decision or the second factor', () => {
    const callers = files.filter((file) => /\bcompleteSignIn\(/.test(file.text)).map((file) => file.path);
    expect(callers.sort()).toEqual([
      'core/flows/after-first-factor.ts',
      'core/flows/complete-second-factor.ts',
      'core/flows/complete-sign-in.ts',
    ]);
    const inserters = files.filter((file) => /\.sessions\.create\(/.test(file.text)).map((file) => file.path);
    // The store contract suite tests the repository itself.
    expect(inserters.sort()).toEqual(['core/flows/complete-sign-in.ts', 'store/store-contract.ts']);
  });

  it('writes security events only through recordEvent, which queues the person’s notices in the same transaction', () => {
    const writers = files.filter((file) => /\.events\.record\(/.test(file.text)).map((file) => file.path);
    // The store contract suite tests the repository itself.
    expect(writers.sort()).toEqual(['core/flows/security-events.ts', 'store/store-contract.ts']);
  });

  it('reads the clock only through the injected Clock in the core', () => {
    const offenders = files
      .filter((file) => file.path.startsWith('core/') && /Date\.now\(|new Date\(\)/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });
});
