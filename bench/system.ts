/**
 * What the bench asks of the machine: the load generator as a child
 * process, dropping files from the page cache, and a description of the
 * machine for the report.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LoadSpec, LoadSummary } from './load.js';

const run = promisify(execFile);

/** Run bench/load.ts in its own process with `spec` and return its summary. */
export async function runLoad(repo: string, spec: LoadSpec): Promise<LoadSummary> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/load.ts', JSON.stringify(spec)], {
    cwd: repo, maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoadSummary;
}

export type CacheDrop = 'drop_caches' | 'fadvise' | 'none';

/**
 * How cold reads are made cold here. Writing 3 to /proc/sys/vm/drop_caches
 * drops every clean page, but containers usually may not; otherwise
 * `dd iflag=nocache count=0` asks the kernel, per file, to drop its cached
 * pages (posix_fadvise POSIX_FADV_DONTNEED over the whole file), which works
 * for clean pages, and the bench's files are fsynced.
 */
export function cacheDropMethod(): CacheDrop {
  if (spawnSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' }).status === 0) return 'drop_caches';
  if (spawnSync('dd', ['--version'], { stdio: 'ignore' }).status === 0) return 'fadvise';
  return 'none';
}

/** Files of at least `minBytes` under `dir`, recursively. */
export async function largeFiles(dir: string, minBytes: number): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await largeFiles(path, minBytes)));
    else if (entry.isFile() && (await stat(path)).size >= minBytes) out.push(path);
  }
  return out;
}

/** Drop `files` from the page cache; returns how many of their bytes are still resident (from fincore), or undefined if unknown. */
export async function dropFromCache(method: CacheDrop, files: readonly string[]): Promise<number | undefined> {
  if (method === 'drop_caches') spawnSync('sh', ['-c', 'sync && echo 3 > /proc/sys/vm/drop_caches'], { stdio: 'ignore' });
  if (method === 'fadvise') {
    for (const file of files) await run('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  }
  if (files.length === 0) return 0;
  const fincore = spawnSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', ...files], { encoding: 'utf8' });
  if (fincore.status !== 0) return undefined;
  return fincore.stdout.split('\n').filter(Boolean).reduce((sum, line) => sum + Number(line.trim()), 0);
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly kernel: string;
  readonly df: string;
  readonly date: string;
  readonly peers: readonly string[];
}

export async function describeMachine(dir: string, peers: readonly string[]): Promise<Machine> {
  const cpu = cpus();
  const df = (await run('df', ['-h', dir])).stdout;
  const kernel = (await run('uname', ['-sr'])).stdout.trim();
  return { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem(), node: process.version, kernel, df, date: new Date().toISOString(), peers };
}
