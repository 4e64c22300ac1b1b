/**
 * The real `originstore serve` as a child process, for tests that must kill
 * it, restart it or measure it from outside. It listens on an ephemeral
 * loopback port; the port is read from its own "Server listening at" log
 * line, so no port is picked in advance and none can be taken in between.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schemaForDataDir, SERVERS_ON_POSTGRES } from './postgres.js';
import { testBlobs, type TestBlobs } from './blobs.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Every stdout line so far (JSON log lines and the first-run banner). */
  readonly lines: string[];
  /** Resolves with the exit code or signal once the child has gone. */
  readonly exited: Promise<number | NodeJS.Signals>;
  /** Its blobs, wherever they live (ORIGINSTORE_TEST_BLOBS=s3: a bucket of its own). */
  readonly blobs: TestBlobs;
  kill(signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>;
}

export interface ChildServerOptions {
  readonly dataDir: string;
  /** --init-password; null leaves it out, so a first run generates and prints one. */
  readonly password?: string | null;
  readonly args?: readonly string[];
  /** Extra environment variables (ORIGINSTORE_* settings, say) on top of this process's. */
  readonly env?: Readonly<Record<string, string>>;
  /** A compiled `cli/main.js` (see compileServer); by default the TypeScript source runs through tsx. */
  readonly entry?: string;
  /** A command (and its arguments) that runs the server command given after them, e.g. in a namespace. */
  readonly launcher?: readonly string[];
  /**
   * Metadata store URL. By default SQLite in the data directory, or with
   * ORIGINSTORE_TEST_METADATA=postgres a PostgreSQL schema of the data
   * directory's own (the same across restarts on it).
   */
  readonly metadata?: string;
  /** The blobs of an earlier server to open again (a restart); by default a new store for dataDir. */
  readonly blobs?: TestBlobs;
}

export interface CompiledServer {
  /** Path of the compiled `cli/main.js`. */
  readonly entry: string;
  remove(): Promise<void>;
}

/**
 * Compile src/ as `npm run build` does, into a fresh folder under the
 * repository's .test-tmp/ (so that node_modules and "type": "module" still
 * apply), for tests that measure the server as `npm start` runs it rather
 * than with the tsx loader in the same process.
 */
export async function compileServer(): Promise<CompiledServer> {
  await mkdir(join(REPO, '.test-tmp'), { recursive: true });
  const outDir = await mkdtemp(join(REPO, '.test-tmp', 'dist-'));
  const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO });
  return { entry: join(outDir, 'cli', 'main.js'), remove: () => rm(outDir, { recursive: true, force: true }) };
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const blobs = options.blobs ?? (await testBlobs(options.dataDir));
  const args = [
    ...(options.entry === undefined ? ['--import', 'tsx', 'src/cli/main.ts'] : [options.entry]), 'serve',
    '--data-dir', options.dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'info',
    ...(options.password === null ? [] : ['--init-password', options.password ?? 'secret']),
    ...metadataArgs(options),
    ...blobs.args,
    ...(options.args ?? []),
  ];
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  const [command, ...commandArgs] = [...(options.launcher ?? []), process.execPath, ...args] as [string, ...string[]];
  const child = spawn(command, commandArgs, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error('the server did not start');
  const pid = child.pid;
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    // 'close', not 'exit': by then every line the child wrote has been read.
    child.once('close', (code, signal) => resolve(signal ?? code ?? -1));
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  // Read stdout for the whole life of the child: a full pipe would stall its logger.
  const reader = createInterface({ input: child.stdout! });
  const url = new Promise<string>((resolve, reject) => {
    reader.on('line', (line) => {
      lines.push(line);
      const m = /Server listening at (https?:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    void exited.then((how) => reject(new Error(`the server exited (${how}) before listening:\n${stderr}`)));
  });
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    return { url: await url, pid, process: child, lines, exited, blobs, kill };
  } catch (err) {
    await kill('SIGKILL');
    throw err;
  }
}

function metadataArgs(options: ChildServerOptions): string[] {
  const url = options.metadata ?? (SERVERS_ON_POSTGRES ? schemaForDataDir(options.dataDir).url : undefined);
  return url === undefined ? [] : ['--metadata', url];
}
