import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

export interface ProfileShare {
  name: string;
  /** Share of the busy (non-idle) samples. */
  share: number;
}

/** Where a sample's code lives: a package, Tessera's own source, Node itself, or V8. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = url.match(/\/(?:src|dist)\/([^?]+?)\.[jt]s$/);
  return own ? `src/${own[1]}.ts` : url;
}

/**
 * Busy time by package or source file, and the hottest functions, from the busiest .cpuprofile
 * in `dir` (the module loader's thread writes a profile of its own; the main thread's is the busy one).
 */
export function summariseProfile(dir: string): { places: ProfileShare[]; functions: ProfileShare[] } {
  const profiles = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => (JSON.parse(readFileSync(join(dir, name), 'utf8')) as { nodes: ProfileNode[] }).nodes);
  const samples = (nodes: ProfileNode[]) =>
    nodes.filter((node) => node.callFrame.functionName !== '(idle)').reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const nodes = profiles.sort((a, b) => samples(b) - samples(a))[0];
  if (!nodes) throw new Error(`no .cpuprofile in ${dir}`);
  const busy = nodes.filter((node) => node.callFrame.functionName !== '(idle)');
  const total = busy.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const tally = (key: (node: ProfileNode) => string) => {
    const counts = new Map<string, number>();
    for (const node of busy) counts.set(key(node), (counts.get(key(node)) ?? 0) + (node.hitCount ?? 0));
    return [...counts]
      .map(([name, count]) => ({ name, share: count / total }))
      .sort((a, b) => b.share - a.share)
      .slice(0, 12);
  };
  return {
    places: tally((node) => placeOf(node.callFrame.url, node.callFrame.functionName)),
    functions: tally(
      (node) => `${node.callFrame.functionName || '(anonymous)'} — ${placeOf(node.callFrame.url, node.callFrame.functionName)}`,
    ),
  };
}
