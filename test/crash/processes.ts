import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** `tessera serve` as a process of its own, to be killed without warning. */
export interface ServerProcess {
  url: string;
  /** SIGKILL: no request is answered, no transaction is finished, nothing is flushed. */
  kill(): Promise<void>;
  /** SIGTERM: the requests in flight are answered first. */
  stop(): Promise<number | null>;
}

const cli = (args: string[], env: Record<string, string>, stdout: 'ignore' | 'pipe') =>
  spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, ...env, TESSERA_LOGGING_LEVEL: 'warn' },
    stdio: ['ignore', stdout, 'pipe'],
  });

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

/** Starts `tessera serve` on `port` and waits until /readyz answers. */
export async function startServer(port: number, env: Record<string, string>): Promise<ServerProcess> {
  const child = cli(['serve'], { ...env, TESSERA_SERVER_PORT: String(port) }, 'ignore');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = exitOf(child);
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tessera serve exited with ${child.exitCode}:\n${stderr}`);
    if (
      await fetch(`${url}/readyz`).then(
        (response) => response.ok,
        () => false,
      )
    )
      break;
    if (Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`tessera serve was not ready within 30 s:\n${stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
  };
}

/** A `tessera` command run to its end, or killed on the `killAtLine`-th line it prints that `counts`. */
export async function runCommand(
  args: string[],
  env: Record<string, string>,
  options: { killAtLine?: number; counts?: (line: string) => boolean } = {},
): Promise<{ code: number | null; killed: boolean; lines: string[]; stderr: string }> {
  const child = cli(args, env, 'pipe');
  const exited = exitOf(child);
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  let counted = 0;
  let killed = false;
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      lines.push(line);
      if (!killed && options.killAtLine !== undefined && (options.counts?.(line) ?? true) && ++counted >= options.killAtLine) {
        killed = child.kill('SIGKILL');
      }
    }
  });
  const { code, signal } = await exited;
  if (buffered) lines.push(buffered);
  return { code, killed: killed && signal === 'SIGKILL', lines, stderr };
}
