/**
 * The compiled server as the bench runs it: `dist/cli/main.js serve` on a
 * free loopback port chosen just before, with its output discarded (a bench
 * of millions of requests must not keep their log lines). Ready once
 * /healthz answers.
 */
import { spawn } from 'node:child_process';
import { freePort, ready, stopper } from './peers.js';

export interface BenchServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startServer(repo: string, entry: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, entry, 'serve', '--host', '127.0.0.1', '--port', String(port), ...args], {
    cwd: repo, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = stopper(child);
  const url = `http://127.0.0.1:${port}`;
  if (!(await ready(`${url}/healthz`, child))) {
    await stop();
    throw new Error(`the server did not start (${entry} serve ${args.join(' ')})`);
  }
  return { url, pid: child.pid!, stop };
}
