import { runConstantLoad } from '/work/main/bench/lib/load.ts';
import { port, startProcess, stopProcess } from '/work/main/bench/lib/processes.ts';
const p = port();
const s = await startProcess({ name: 'f', command: process.execPath, args: ['--import', 'tsx', 'bench/floor-server.ts'], port: p, probePath: '/', env: { PORT: String(p) } });
console.log(await runConstantLoad(s.url, 4));
await stopProcess(s);
