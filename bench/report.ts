/** The bench's results as a Markdown table, and docs/performance.md around it. */
import type { Spread } from './client.js';

export interface Pair {
  /** MB/s per repetition, summarised. */
  readonly originstore: Spread;
  readonly ceiling: Spread;
  /** originstore ÷ ceiling, paired by repetition. */
  readonly ratio: Spread;
}

export interface Results {
  readonly repetitions: number;
  readonly uploadBytes: number;
  readonly upload: Pair;
  readonly download: Pair;
  readonly join: {
    readonly pieces: number;
    readonly pieceBytes: number;
    /** True when free disk was under the threshold and the join was halved. */
    readonly reduced: boolean;
    readonly rate: Spread;
    /** join rate ÷ median /post/raw rate of originstore. */
    readonly ratio: Spread;
    readonly peakRssBytes: Spread;
    readonly idleRssBytes: number;
  };
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly df: string;
  readonly date: string;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function mbps(s: Spread): string {
  return `${s.median.toFixed(0)} MB/s (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
}

function ratio(s: Spread): string {
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}

export function table(r: Results): string {
  const size = `${r.uploadBytes / GiB} GiB`;
  const j = r.join;
  const joinSize = `${(j.pieces * j.pieceBytes) / GiB} GiB (${j.pieces} × ${j.pieceBytes / MiB} MiB)`;
  const rss = j.peakRssBytes;
  return [
    '| measurement | originstore, median (min–max) | ceiling, median (min–max) | ratio, median (min–max) |',
    '| --- | --- | --- | --- |',
    `| \`/post/raw\` ${size}, durable | ${mbps(r.upload.originstore)} | ${mbps(r.upload.ceiling)} | ${ratio(r.upload.ratio)} |`,
    `| \`GET\` ${size} | ${mbps(r.download.originstore)} | ${mbps(r.download.ceiling)} | ${ratio(r.download.ratio)} |`,
    `| multipart join ${joinSize}${j.reduced ? ', reduced: low disk' : ''} | ${mbps(j.rate)} | \`/post/raw\` above: ${r.upload.originstore.median.toFixed(0)} MB/s | ${ratio(j.ratio)} |`,
    `| server VmRSS during the join | peak ${mb(rss.median)} MB (${mb(rss.min)}–${mb(rss.max)}); ${mb(j.idleRssBytes)} MB before the first | — | — |`,
  ].join('\n');
}

export function document(r: Results, m: Machine): string {
  const j = r.join;
  return `# Performance

\`npm run bench\` (\`bench/run.ts\`) builds the server, starts the compiled
server (\`dist/cli/main.js serve\`) and two bare-Node ceilings as child
processes on a fresh temporary data directory, and measures them side by side
in the same run: ${r.repetitions} repetitions, the two sides interleaved (A then B, then B
then A, …). The client runs in the bench process and is the same for both
sides. MB is 10^6 bytes.

## How to read it

The bench runs on whatever machine it is given, often a small, shared one
where other work competes for the same cores and disk, so absolute rates move
from run to run and from machine to machine. What counts are the ratios
within one run: originstore ÷ ceiling for uploads and downloads, measured
against a ceiling that ran under the same conditions minutes apart, and, for
the multipart join, the join's rate ÷ originstore's own \`/post/raw\` rate.
Each cell gives the median of the ${r.repetitions} repetitions and, in
brackets, the lowest and highest; a wide bracket means the machine was noisy,
not that the server varies. No targets are asserted: the bench reports, and
nothing fails on a number.

## Last run

${table(r)}

- Date: ${m.date}
- CPU: ${m.cpu}, ${m.cores} cores; memory ${(m.memoryBytes / GiB).toFixed(1)} GiB; Node ${m.node}
- Filesystem of the temporary directory (\`df -h\`, before the run):

\`\`\`text
${m.df.trimEnd()}
\`\`\`

## What each row measures

- **\`/post/raw\`**: a Node \`http.request\` streams ${r.uploadBytes / GiB} GiB from a generator of
  1 MiB chunks (never held in memory), timed until the answer is read. The
  server answers only once the file is durable and published. The ceiling
  (\`bench/ceiling-upload.ts\`) is a bare \`node:http\` server doing only
  stream → SHA-256 → temporary file → fsync → rename → fsync of the directory →
  one better-sqlite3 row insert (WAL, \`synchronous=FULL\`). It writes each
  network chunk as it comes, one write at a time, and fsyncs once at the end;
  originstore gathers 1 MiB writes, keeps one in flight while it reads and
  hashes the next, and syncs every 64 MiB, so the final fsync does not wait on
  a gigabyte of dirty pages.
- **\`GET\`**: the first file each side stored in the upload row, read and
  discarded by the client. The ceiling (\`bench/ceiling-download.ts\`) pipes
  \`fs.createReadStream\` (Node's default 64 KiB reads) to the response;
  originstore reads 512 KiB at a time. The file was just written, so on a
  machine with memory to spare both sides read it from the page cache: this
  row measures the HTTP path, not the disk.
- **Ratios above 1** mean the ceiling is the naive bare-Node way of doing the
  same job, not that originstore beats the machine. A ceiling with the same
  write batching and read size is the next step for this bench.
- **multipart join**: ${j.pieces} pieces of ${j.pieceBytes / MiB} MiB are uploaded (not timed), then
  the time from sending \`completeMultipart\` until \`getMultipartStatus\`
  reports state 6 (polled every 100 ms) gives the rate. The join reads every
  piece once (they were just written, so most likely from the page cache),
  hashes it and writes the joined file once, durably, with no network in
  between; \`/post/raw\` does the same hashing and durable write behind a
  socket. The joined file is deleted after each repetition. The join is
  4 GiB unless the temporary directory has under 20 GiB free, when it is
  2 GiB and the row says so.
- **VmRSS**: the server's resident memory from \`/proc/<pid>/status\`, sampled
  every 100 ms during each join; the peak per join, and the value before the
  first join for comparison.
`;
}
