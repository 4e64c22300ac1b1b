/**
 * npm run bench [-- options]:
 *   --quick               smaller sizes, fewer and shorter repetitions (about a minute); docs/ is not touched
 *   --server-args "<a>"   extra arguments for `originstore serve`, e.g. "--metadata postgres://… --blobs s3://…"
 *   --scale-out           the server on PostgreSQL (a fresh schema of ORIGINSTORE_TEST_PG, default the local
 *                         postgres://127.0.0.1:5432/test) and an s3rver bucket the bench starts; writes the
 *                         scale-out block of docs/performance.md
 *   --soak <duration>     instead of the table: mixed load from 500 connections for this long (60s, 10m)
 *   --only <a,b>          only these rows: upload, get, egress, stat, list, small-upload, join, memory (docs/ is not touched)
 *   --profile <dir>       run the server under --cpu-prof, writing its profile into <dir> when it stops
 *   --no-peers            do not start nginx and rclone even where installed
 *   --no-write            do not rewrite docs/performance.md
 */
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface Sizes {
  readonly repetitions: number;
  readonly largeBytes: number;
  readonly loadSeconds: number;
  readonly listEntries: number;
  readonly bigDirectoryEntries: number;
  readonly joinPieces: number;
  readonly pieceBytes: number;
  readonly memoryTransferBytes: number;
  /** The join and the memory rows move gigabytes per repetition: fewer of them. */
  readonly joinRepetitions: number;
  readonly memoryRepetitions: number;
  readonly idleConnections: number;
}

export interface Options {
  readonly quick: boolean;
  readonly serverArgs: readonly string[];
  /** Start PostgreSQL schema + S3 server for the run and point the server at them. */
  readonly scaleOut: boolean;
  readonly soakSeconds: number | undefined;
  readonly write: boolean;
  readonly peers: boolean;
  readonly profileDir: string | undefined;
  /** Row groups to run; undefined: all. */
  readonly only: ReadonlySet<string> | undefined;
  readonly sizes: Sizes;
}

const FULL: Sizes = {
  repetitions: 3, largeBytes: GiB, loadSeconds: 5, listEntries: 10_000, bigDirectoryEntries: 1_000_000,
  joinPieces: 32, pieceBytes: 128 * MiB, memoryTransferBytes: 2 * GiB, idleConnections: 1000,
  joinRepetitions: 2, memoryRepetitions: 1,
};

const QUICK: Sizes = {
  repetitions: 2, largeBytes: 128 * MiB, loadSeconds: 1, listEntries: 10_000, bigDirectoryEntries: 100_000,
  joinPieces: 4, pieceBytes: 32 * MiB, memoryTransferBytes: 256 * MiB, idleConnections: 1000,
  joinRepetitions: 2, memoryRepetitions: 1,
};

/** "60", "60s", "10m", "1h" → seconds. */
export function parseSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)} (use 60s, 10m, 1h)`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

/** Split a --server-args string on whitespace, keeping quoted parts together. */
export function splitArgs(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

export function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let scaleOut = false;
  let write = true;
  let peers = true;
  let profileDir: string | undefined;
  let soakSeconds: number | undefined;
  let only: Set<string> | undefined;
  const serverArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') quick = true;
    else if (arg === '--no-write') write = false;
    else if (arg === '--scale-out') scaleOut = true;
    else if (arg === '--no-peers') peers = false;
    else if (arg === '--profile') profileDir = value();
    else if (arg === '--server-args') serverArgs.push(...splitArgs(value()));
    else if (arg.startsWith('--server-args=')) serverArgs.push(...splitArgs(arg.slice('--server-args='.length)));
    else if (arg === '--soak') soakSeconds = parseSeconds(value());
    else if (arg === '--only') only = new Set(value().split(','));
    else throw new Error(`unknown option ${arg} (see bench/options.ts)`);
  }
  // A quick run is for trying the bench, not for the record.
  if (scaleOut && (serverArgs.includes('--metadata') || serverArgs.includes('--blobs'))) {
    throw new Error('--scale-out starts its own PostgreSQL schema and bucket: leave --metadata and --blobs out of --server-args');
  }
  return { quick, peers, profileDir, serverArgs, scaleOut, soakSeconds, only, write: write && !quick && only === undefined, sizes: quick ? QUICK : FULL };
}
