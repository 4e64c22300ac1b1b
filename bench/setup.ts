/**
 * Everything the rows measure, started once per run on a fresh temporary
 * directory: the compiled server, the three ceilings, the peers, and the
 * fixtures each side serves (the same bytes under the same names).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshSchema } from '../test/helpers/postgres.js';
import { startTestS3 } from '../test/helpers/s3.js';
import { rpc, startCeiling, upload, type Ceiling, type Timed } from './client.js';
import type { Options } from './options.js';
import { startPeers, type Peer } from './peers.js';
import { startServer, type BenchServer } from './server.js';
import { cacheDropMethod, type CacheDrop } from './system.js';

const MiB = 1024 ** 2;
export const PASSWORD = 'bench-password';
export const SMALL_BYTES = 4096;
export const RANGE_FILE_BYTES = 16 * MiB;

export interface Bench {
  readonly repo: string;
  readonly root: string;
  readonly options: Options;
  readonly log: (line: string) => void;
  readonly server: BenchServer;
  readonly token: string;
  readonly ceilingUp: Ceiling;
  readonly ceilingDown: Ceiling;
  readonly ceilingRpc: Ceiling;
  readonly peers: readonly Peer[];
  /** Where the upload ceiling stores, the download ceiling and the peers serve from. */
  readonly ceilingFiles: string;
  readonly cacheDrop: CacheDrop;
  /** What the listing rows' bulk fill writes into: the data directory (embedded SQLite) or a postgres:// URL. */
  readonly metadataStore: string;
  /** GET URL of a file in /bench on each side, by side name. */
  url(side: string, name: string): string;
  postRaw(name: string, sizeBytes: number, directory?: string): Promise<Timed>;
  ceilingPost(name: string, sizeBytes: number): Promise<Timed>;
  stop(): Promise<void>;
}

export function expectStored(what: string, t: Timed, sizeBytes: number): Timed {
  const agile = t.headers['x-agile-status'];
  if (t.status !== 200 || (agile !== undefined && agile !== '0')) throw new Error(`${what}: HTTP ${t.status}, X-Agile-Status ${agile}`);
  const size = t.headers['x-agile-size'] ?? t.headers['x-size'];
  if (size !== undefined && size !== String(sizeBytes)) throw new Error(`${what}: stored ${size} of ${sizeBytes} bytes`);
  return t;
}

export async function startBench(repo: string, options: Options, log: (line: string) => void): Promise<Bench> {
  const entry = join(repo, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (npm run bench does)`);
  const root = await mkdtemp(join(tmpdir(), 'originstore-bench-'));
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
    await rm(root, { recursive: true, force: true });
  };
  try {
    const serverArgs = [...options.serverArgs];
    if (options.scaleOut) serverArgs.push(...(await scaleOutStores(stops, log)));
    const dataDir = join(root, 'originstore');
    const metadataStore = metadataArgument(serverArgs) ?? dataDir;
    // warn: a log line per request is work the ceilings do not do (--server-args "--log-level info" to include it).
    // No upload rate limit: the bench is the only client and measures the server, not the limiter.
    const server = await startServer(repo, entry, [
      '--data-dir', dataDir, '--init-password', PASSWORD,
      '--log-level', 'warn', '--upload-rate-limit', '0', ...serverArgs,
    ], options.profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', options.profileDir]);
    stops.push(() => server.stop());
    const ceilingDir = join(root, 'ceiling');
    const ceilingUp = await startCeiling('bench/ceiling-upload.ts', ceilingDir, repo);
    stops.push(() => ceilingUp.stop());
    const ceilingDown = await startCeiling('bench/ceiling-download.ts', ceilingDir, repo);
    stops.push(() => ceilingDown.stop());
    const ceilingRpc = await startCeiling('bench/ceiling-rpc.ts', join(root, 'ceiling-rpc'), repo, [String(options.sizes.listEntries)]);
    stops.push(() => ceilingRpc.stop());
    const ceilingFiles = join(ceilingDir, 'files');
    await mkdir(join(root, 'peers'), { recursive: true });
    const peers = options.peers ? await startPeers(ceilingFiles, join(root, 'peers'), log) : [];
    for (const p of peers) stops.push(() => p.stop());

    const [token] = (await rpc(server.url, 'login', ['demo', PASSWORD])) as [string];
    for (const dir of ['/bench', '/bench/small-up', '/bench/list', '/bench/big']) {
      if (await rpc(server.url, 'makeDir', [token, dir]) !== 0) throw new Error(`makeDir ${dir} failed`);
    }
    const auth = { 'X-Agile-Authorization': token };
    const postRaw = async (name: string, sizeBytes: number, directory = '/bench') => expectStored(`/post/raw ${name}`,
      await upload(`${server.url}/post/raw`, { ...auth, 'X-Agile-Directory': directory, 'X-Agile-Basename': name }, sizeBytes), sizeBytes);
    const ceilingPost = async (name: string, sizeBytes: number) =>
      expectStored(`ceiling ${name}`, await upload(`${ceilingUp.url}/${name}`, {}, sizeBytes), sizeBytes);
    const bases: Record<string, string> = { originstore: `${server.url}/demo/bench`, ceiling: ceilingDown.url };
    for (const p of peers) bases[p.name] = p.url;
    const bench: Bench = {
      repo, root, options, log, server, token, ceilingUp, ceilingDown, ceilingRpc, peers, ceilingFiles,
      cacheDrop: cacheDropMethod(), metadataStore,
      url: (side, name) => `${bases[side]}/${name}`,
      postRaw, ceilingPost, stop,
    };
    await fixtures(bench);
    return bench;
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The small and ranged files on both sides, and the listing directories of originstore. */
async function fixtures(b: Bench): Promise<void> {
  for (const [name, size] of [['small.bin', SMALL_BYTES], ['range.bin', RANGE_FILE_BYTES]] as const) {
    await b.postRaw(name, size);
    await b.ceilingPost(name, size);
  }
  if (b.options.soakSeconds !== undefined || (b.options.only !== undefined && !b.options.only.has('list'))) return;
  if (!canFill(b)) {
    b.log(`--metadata ${b.metadataStore}: the listing rows' bulk fill writes SQLite or PostgreSQL only; they are skipped`);
    return;
  }
  const { sizes } = b.options;
  for (const [dir, count] of [['/demo/bench/list', sizes.listEntries], ['/demo/bench/big', sizes.bigDirectoryEntries]] as const) {
    b.log(`filling ${dir} with ${count} entries`);
    const started = performance.now();
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/fill-directory.ts', b.metadataStore, dir, '/demo/bench/small.bin', String(count)], {
      cwd: b.repo,
    });
    b.log(`  ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/** Whether the listing rows' bulk fill can write the server's metadata store. */
export function canFill(b: Bench): boolean {
  return !b.metadataStore.includes('://') || /^postgres(ql)?:\/\//.test(b.metadataStore);
}

/** The --metadata the server gets: from the arguments, else from the environment it inherits. */
function metadataArgument(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--metadata') return args[i + 1];
    if (args[i]!.startsWith('--metadata=')) return args[i]!.slice('--metadata='.length);
  }
  return process.env['ORIGINSTORE_METADATA'] || undefined;
}

/**
 * --scale-out: a fresh schema on the local PostgreSQL and a bucket on an
 * s3rver the bench starts (the tests' own helpers), both removed when the
 * bench stops. Returns the server arguments that use them.
 */
async function scaleOutStores(stops: Array<() => Promise<unknown>>, log: (line: string) => void): Promise<string[]> {
  const schema = await freshSchema();
  stops.push(() => schema.drop());
  const s3 = await startTestS3();
  stops.push(() => s3.close());
  const bucket = await s3.createBucket();
  log(`scale-out: PostgreSQL schema ${schema.name}, s3rver bucket ${bucket} at ${s3.endpoint}`);
  return ['--metadata', schema.url, '--blobs', s3.blobsUrl(bucket)];
}
