import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2]!;
const profiles = readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')));
const p = profiles.sort((a, b) => b.nodes.length - a.nodes.length)[0];
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const incl = new Map<number, number>();
const total = (n: any): number => { if (incl.has(n.id)) return incl.get(n.id)!; const t = (n.hitCount ?? 0) + (n.children ?? []).reduce((s: number, c: number) => s + total(byId.get(c)), 0); incl.set(n.id, t); return t; };
const busy = p.nodes.filter((n: any) => n.callFrame.functionName !== '(idle)').reduce((s: number, n: any) => s + (n.hitCount ?? 0), 0);
const agg = new Map<string, number>();
for (const n of p.nodes) {
  const url = n.callFrame.url as string;
  if (!/\/src\/|fastify|zod|helmet|kysely|cookie/.test(url)) continue;
  const key = `${n.callFrame.functionName || '(anon)'} ${url.replace(/.*\/(src\/|node_modules\/)/, '$1')}:${n.callFrame.lineNumber}`;
  agg.set(key, (agg.get(key) ?? 0) + total(n));
}
console.log([...agg].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([k, v]) => `${(100 * v / busy).toFixed(1)}%  ${k}`).join('\n'));
