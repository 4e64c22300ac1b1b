/**
 * Peers for the egress rows: nginx and `rclone serve http`, serving the
 * download ceiling's files directory, started only where installed (the
 * Debian packages nginx and rclone). A peer that is missing or fails to
 * start is skipped with a line on stderr; nothing requires them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface Peer {
  readonly name: string;
  readonly url: string;
  /** The peer's processes, for their resident memory. */
  readonly pid: number;
  /** As the peer reports it, for the report. */
  readonly version: string;
  stop(): Promise<void>;
}

function installed(command: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const path = join(dir, command);
    if (spawnSync('test', ['-x', path]).status === 0) return path;
  }
  return undefined;
}

/** A free loopback port: a peer takes its port as a flag, so one is chosen just before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Poll until `url` answers: the peers print nothing reliable when ready. */
export async function ready(url: string, child: ChildProcess): Promise<boolean> {
  // Up to a minute: on a busy machine a Node server can take many seconds to load.
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) return false;
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return true;
    await delay(100);
  }
  return false;
}

export function stopper(child: ChildProcess): () => Promise<void> {
  const exited = once(child, 'close');
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}

async function startNginx(filesDir: string, workDir: string): Promise<Peer | undefined> {
  const nginx = installed('nginx');
  if (nginx === undefined) return undefined;
  const port = await freePort();
  // One worker: originstore and the Node ceilings each use one event loop.
  const conf = join(workDir, 'nginx.conf');
  // Run as root, nginx's workers would drop to nobody, who cannot read the bench's private temporary directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  await writeFile(conf, `${user}daemon off;
worker_processes 1;
pid ${join(workDir, 'nginx.pid')};
error_log ${join(workDir, 'nginx-error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${workDir};
  proxy_temp_path ${workDir};
  fastcgi_temp_path ${workDir};
  uwsgi_temp_path ${workDir};
  scgi_temp_path ${workDir};
  server {
    listen 127.0.0.1:${port};
    root ${filesDir};
  }
}
`);
  const child = spawn(nginx, ['-c', conf, '-p', workDir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = stopper(child);
  if (!(await ready(`http://127.0.0.1:${port}/`, child))) {
    await stop();
    return undefined;
  }
  const version = spawnSync(nginx, ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '');
  return { name: 'nginx', url: `http://127.0.0.1:${port}`, pid: child.pid!, version: `${version}, 1 worker, sendfile on`, stop };
}

async function startRclone(filesDir: string): Promise<Peer | undefined> {
  const rclone = installed('rclone');
  if (rclone === undefined) return undefined;
  const port = await freePort();
  const child = spawn(rclone, ['serve', 'http', filesDir, '--addr', `127.0.0.1:${port}`, '--read-only', '--config', '/dev/null', '--dir-cache-time', '0s'], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const stop = stopper(child);
  if (!(await ready(`http://127.0.0.1:${port}/`, child))) {
    await stop();
    return undefined;
  }
  const version = spawnSync(rclone, ['version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? 'rclone';
  return { name: 'rclone', url: `http://127.0.0.1:${port}`, pid: child.pid!, version: `${version} serve http`, stop };
}

export async function startPeers(filesDir: string, workDir: string, log: (line: string) => void): Promise<Peer[]> {
  const peers: Peer[] = [];
  for (const [name, start] of [['nginx', () => startNginx(filesDir, workDir)], ['rclone', () => startRclone(filesDir)]] as const) {
    const peer = await start().catch(() => undefined);
    if (peer) peers.push(peer);
    else log(`peer ${name}: not installed or did not start; skipped`);
  }
  return peers;
}
