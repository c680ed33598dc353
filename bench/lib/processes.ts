import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn to the first answered request. */
  coldStartMs: number;
}

/** Resident set size of a process, from /proc, in MiB. */
export function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) / 1024;
}

/**
 * Starts a server process and waits until `probePath` answers, which is what "cold start"
 * means here: from spawn to the first answered request.
 */
export async function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  port: number;
  probePath: string;
  env?: Record<string, string>;
}): Promise<Running> {
  const started = performance.now();
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.name} exited with ${child.exitCode}:\n${stderr}`);
    try {
      const response = await fetch(url + options.probePath);
      await response.arrayBuffer();
      return { name: options.name, url, child, coldStartMs: performance.now() - started };
    } catch {
      await sleep(5);
    }
    if (performance.now() - started > 60_000) throw new Error(`${options.name} did not answer within 60 s:\n${stderr}`);
  }
}

export async function stopProcess(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => running.child.kill('SIGKILL'))]);
}

let nextPort = 4600;
/** Ports on loopback for the servers of one run. */
export function port(): number {
  return nextPort++;
}
