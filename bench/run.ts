/**
 * npm run bench: originstore against bare-Node ceilings, side by side in one
 * run, so that ratios mean something on a noisy machine (docs/performance.md
 * says how to read them). Starts the compiled server and the ceilings as
 * child processes on a fresh temporary directory, runs the client here,
 * prints a table and rewrites docs/performance.md. Nothing is asserted.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startChildServer } from '../test/helpers/child-server.js';
import { download, rate, readRss, rpc, sampleRss, spread, startCeiling, upload, type Spread, type Timed } from './client.js';
import { document, table, type Pair, type Results } from './report.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const REPETITIONS = 3;
const UPLOAD_BYTES = GiB;
const WARMUP_BYTES = 64 * MiB;
const PIECE_BYTES = 128 * MiB;
/** Below this much free disk the join is 2 GiB instead of 4 (pieces and joined file coexist). */
const LOW_DISK_BYTES = 20 * GiB;
const POLL_MS = 100;
const PASSWORD = 'bench-password';
const State = { SUCCESS: 6, FAILED: 12 } as const;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Run `a` and `b` `REPETITIONS` times, alternating which goes first; MB/s of each and a ÷ b per repetition. */
async function interleaved(sizeBytes: number, a: (i: number) => Promise<Timed>, b: (i: number) => Promise<Timed>): Promise<Pair> {
  const rates = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < REPETITIONS; i++) {
    const order = i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    for (const side of order) {
      const timed = await (side === 'a' ? a : b)(i);
      rates[side].push(rate(sizeBytes, timed.seconds));
      log(`  ${side === 'a' ? 'originstore' : 'ceiling    '} #${i + 1}: ${rate(sizeBytes, timed.seconds).toFixed(0)} MB/s`);
    }
  }
  return { originstore: spread(rates.a), ceiling: spread(rates.b), ratio: spread(rates.a.map((x, i) => x / rates.b[i]!)) };
}

function expectStored(what: string, t: Timed, sizeBytes: number): Timed {
  const agile = t.headers['x-agile-status'];
  if (t.status !== 200 || (agile !== undefined && agile !== '0')) throw new Error(`${what}: HTTP ${t.status}, X-Agile-Status ${agile}`);
  const size = t.headers['x-agile-size'] ?? t.headers['x-size'];
  if (size !== undefined && size !== String(sizeBytes)) throw new Error(`${what}: stored ${size} of ${sizeBytes} bytes`);
  return t;
}

async function main(): Promise<void> {
  const entry = join(REPO, 'dist', 'cli', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build (npm run bench does)`);
  const root = await mkdtemp(join(tmpdir(), 'originstore-bench-'));
  const stops: Array<() => Promise<unknown>> = [];
  const cleanUp = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));
  try {
    const df = (await promisify(execFile)('df', ['-h', root])).stdout;
    const disk = await statfs(root);
    const reduced = disk.bavail * disk.bsize < LOW_DISK_BYTES;
    const pieces = reduced ? 16 : 32;
    if (reduced) log(`under ${LOW_DISK_BYTES / GiB} GiB free in ${root}: the join is ${(pieces * PIECE_BYTES) / GiB} GiB, not 4`);

    const server = await startChildServer({ dataDir: join(root, 'originstore'), password: PASSWORD, entry });
    stops.push(() => server.kill('SIGTERM'));
    const ceilingUp = await startCeiling('bench/ceiling-upload.ts', join(root, 'ceiling'), REPO);
    stops.push(() => ceilingUp.stop());
    const ceilingDown = await startCeiling('bench/ceiling-download.ts', join(root, 'ceiling'), REPO);
    stops.push(() => ceilingDown.stop());

    const [token] = (await rpc(server.url, 'login', ['demo', PASSWORD])) as [string];
    if (await rpc(server.url, 'makeDir', [token, '/bench']) !== 0) throw new Error('makeDir /bench failed');
    const auth = { 'X-Agile-Authorization': token };
    const postRaw = async (name: string, sizeBytes: number) => expectStored(`/post/raw ${name}`,
      await upload(`${server.url}/post/raw`, { ...auth, 'X-Agile-Directory': '/bench', 'X-Agile-Basename': name }, sizeBytes), sizeBytes);
    const ceilingPost = async (name: string, sizeBytes: number) => expectStored(`ceiling ${name}`, await upload(`${ceilingUp.url}/${name}`, {}, sizeBytes), sizeBytes);

    log('warm-up');
    await postRaw('warm-up.bin', WARMUP_BYTES);
    await ceilingPost('warm-up.bin', WARMUP_BYTES);
    await download(`${server.url}/demo/bench/warm-up.bin`, WARMUP_BYTES);
    await download(`${ceilingDown.url}/warm-up.bin`, WARMUP_BYTES);

    log(`/post/raw ${UPLOAD_BYTES / GiB} GiB`);
    const uploads = await interleaved(UPLOAD_BYTES, (i) => postRaw(`up-${i}.bin`, UPLOAD_BYTES), (i) => ceilingPost(`up-${i}.bin`, UPLOAD_BYTES));
    log(`GET ${UPLOAD_BYTES / GiB} GiB`);
    const downloads = await interleaved(UPLOAD_BYTES, () => download(`${server.url}/demo/bench/up-0.bin`, UPLOAD_BYTES),
      () => download(`${ceilingDown.url}/up-0.bin`, UPLOAD_BYTES));

    log(`multipart join ${pieces} × ${PIECE_BYTES / MiB} MiB`);
    const idleRssBytes = readRss(server.pid);
    const joins = { rates: [] as number[], peaks: [] as number[] };
    for (let i = 0; i < REPETITIONS; i++) {
      const { seconds, peakRssBytes } = await timeJoin(server.url, server.pid, token, `/bench/joined-${i}.bin`, pieces);
      joins.rates.push(rate(pieces * PIECE_BYTES, seconds));
      joins.peaks.push(peakRssBytes);
      log(`  join #${i + 1}: ${rate(pieces * PIECE_BYTES, seconds).toFixed(0)} MB/s, peak VmRSS ${(peakRssBytes / 1e6).toFixed(0)} MB`);
    }

    const joinRate = spread(joins.rates);
    const results: Results = {
      repetitions: REPETITIONS,
      uploadBytes: UPLOAD_BYTES,
      upload: uploads,
      download: downloads,
      join: {
        pieces,
        pieceBytes: PIECE_BYTES,
        reduced,
        rate: joinRate,
        ratio: spread(joins.rates.map((r) => r / uploads.originstore.median)),
        peakRssBytes: spread(joins.peaks),
        idleRssBytes,
      },
    };
    const cpu = cpus();
    const machine = {
      cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryBytes: totalmem(), node: process.version, df, date: new Date().toISOString(),
    };
    console.log(`\n${table(results)}\n`);
    await writeFile(join(REPO, 'docs', 'performance.md'), document(results, machine));
    log('wrote docs/performance.md');
  } finally {
    await cleanUp();
  }
}

/**
 * One multipart upload of `pieces` pieces (not timed), then the join: from
 * sending completeMultipart until getMultipartStatus reports SUCCESS, with
 * the server's VmRSS sampled meanwhile. The joined file is deleted after.
 */
async function timeJoin(url: string, pid: number, token: string, path: string, pieces: number): Promise<{ seconds: number; peakRssBytes: number }> {
  const created = await rpc(url, 'createMultipart', [token, path]);
  if (created.code !== 0) throw new Error(`createMultipart: ${JSON.stringify(created)}`);
  const mpid = created.mpid as string;
  for (let part = 1; part <= pieces; part++) {
    const headers = { 'X-Agile-Authorization': token, 'X-Agile-Multipart': mpid, 'X-Agile-Part': String(part) };
    expectStored(`piece ${part}`, await upload(`${url}/multipart/piece`, headers, PIECE_BYTES), PIECE_BYTES);
  }
  const rss = sampleRss(pid, POLL_MS);
  const started = performance.now();
  const completed = await rpc(url, 'completeMultipart', [token, mpid]);
  if (completed.code !== 0) throw new Error(`completeMultipart: ${JSON.stringify(completed)}`);
  for (;;) {
    const status = await rpc(url, 'getMultipartStatus', [token, mpid]);
    if (status.state === State.SUCCESS) break;
    if (status.state === State.FAILED || status.code !== 0) throw new Error(`the join failed: ${JSON.stringify(status)}`);
    await delay(POLL_MS);
  }
  const seconds = (performance.now() - started) / 1000;
  const peakRssBytes = rss.stop();
  const st = await rpc(url, 'stat', [token, path, false]);
  if (st.size !== pieces * PIECE_BYTES) throw new Error(`joined ${st.size} of ${pieces * PIECE_BYTES} bytes`);
  await rpc(url, 'deleteFile', [token, path]);
  return { seconds, peakRssBytes };
}

await main();
