import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

const root = join(import.meta.dirname, '../..');
const compose = parse(readFileSync(join(root, 'deploy/compose.yaml'), 'utf8')) as {
  services: Record<string, { build?: string; environment?: Record<string, string>; networks?: unknown; command?: string[] }>;
};
const proxyAddress = (compose.services.proxy!.networks as { tessera: { ipv4_address: string } }).tessera.ipv4_address;

/** What `docker compose` makes of `${NAME:?message}` and `${NAME:-default}`, with the variables an operator sets. */
function interpolate(environment: Record<string, string>, given: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => [
      name,
      String(value).replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_match, variable: string, kind?: string, rest?: string) => {
        if (given[variable] !== undefined) return given[variable]!;
        if (kind === '?') throw new Error(`compose would stop: ${rest}`);
        return kind === '-' ? (rest ?? '') : '';
      }),
    ]),
  );
}

const operator = {
  TESSERA_SECRETS_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
  TESSERA_SMTP_HOST: 'smtp.example.com',
};
const emptyYaml = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tessera-deploy-')), 'tessera.yaml');
  writeFileSync(file, '');
  return file;
};

describe('the deployment files', () => {
  it('give both instances and the migration a production configuration that validates, on shared PostgreSQL and Redis', () => {
    const configs = ['tessera-1', 'tessera-2', 'migrate'].map((name) =>
      loadConfig({
        env: { ...interpolate(compose.services[name]!.environment!, operator), NODE_ENV: 'production' },
        file: emptyYaml(),
      }),
    );
    for (const config of configs) {
      expect(config.mode).toBe('production');
      expect(config.database.url).toMatch(/^postgres:\/\/.*@postgres:5432\//);
      expect(config.redis.url).toBe('redis://redis:6379');
      expect(config.server.publicUrl).toMatch(/^https:\/\//);
      expect(config.server.trustedProxies).toEqual([proxyAddress]);
      expect(config.database.migrateOnStart).toBe(false);
    }
    expect(compose.services.migrate!.command).toEqual(['node', 'dist/cli.js', 'migrate']);
    expect(() => interpolate(compose.services['tessera-1']!.environment!, {})).toThrow(/TESSERA_SECRETS_KEYS/);
  });

  it('sends the proxy to both instances, checking their readiness, and keeps metrics inside', () => {
    const caddyfile = readFileSync(join(root, 'deploy/Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(/reverse_proxy tessera-1:4000 tessera-2:4000/);
    expect(caddyfile).toContain('health_uri /readyz');
    expect(caddyfile).toContain('respond /metrics 404');
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['tessera-1', 'tessera-2', 'postgres', 'redis', 'proxy']),
    );
  });

  it('builds in one stage and runs what the build makes as a user who is not root', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).toHaveLength(2);
    expect(stages[0]).toContain('RUN npm run build && npm prune --omit=dev');
    expect(stages[1]).toMatch(/^USER node$/m);
    expect(stages[1]).toContain('CMD ["node", "dist/cli.js", "serve"]');
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(root, 'src/cli.ts'))).toBe(true);
    expect(compose.services['tessera-1']!.build).toBe('..');
  });
});
