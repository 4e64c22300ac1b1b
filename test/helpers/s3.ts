/**
 * A real S3-compatible server for the tests: s3rver in a child process on an
 * ephemeral loopback port, over a temporary directory. `stop()` kills it as
 * an outage would and `start()` brings it back on the same port and data, so
 * a test can cut the store off in the middle of uploads.
 *
 * When it cannot start, `s3OrSkip` says so and the test is skipped, unless
 * ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1, when it fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

const CHILD = fileURLToPath(new URL('./s3-server.child.cjs', import.meta.url));
/** s3rver's one account. */
const ACCESS_KEY = 'S3RVER';
const SECRET_KEY = 'S3RVER';
const REGION = 'us-east-1';

export interface TestS3 {
  readonly endpoint: string;
  readonly port: number;
  /** A new empty bucket. */
  createBucket(): Promise<string>;
  /** The `--blobs` URL of a bucket on this server (credentials in the userinfo; one server per bucket, so temporaries are swept at any age). */
  blobsUrl(bucket: string): string;
  /** Keys under `prefix` in `bucket`. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** Keys and sizes under `prefix` in `bucket`. */
  objects(bucket: string, prefix?: string): Promise<Array<{ key: string; sizeBytes: number }>>;
  /** Kill the server (SIGKILL: connections drop as in an outage). */
  stop(): Promise<void>;
  /** Start it again on the same port and directory. */
  start(): Promise<void>;
  /** Stop it and remove its directory. */
  close(): Promise<void>;
}

export async function startTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'originstore-s3-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const launch = async (): Promise<void> => {
    const started = await spawnServer(directory, port);
    child = started.child;
    port = started.port;
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((resolve) => running.once('exit', resolve));
    // Held again so the event loop waits for the exit it is about to await.
    running.ref();
    running.kill('SIGKILL');
    await gone;
  };
  try {
    await launch();
  } catch (err) {
    await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const objects = async (bucket: string, prefix = ''): Promise<Array<{ key: string; sizeBytes: number }>> => {
    const out: Array<{ key: string; sizeBytes: number }> = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
      for (const item of page.Contents ?? []) if (item.Key) out.push({ key: item.Key, sizeBytes: item.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  };
  return {
    endpoint,
    port,
    async createBucket() {
      const bucket = `t-${randomBytes(6).toString('hex')}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return bucket;
    },
    blobsUrl(bucket) {
      return `s3://${ACCESS_KEY}:${SECRET_KEY}@${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=${REGION}&forcePathStyle=true&temporaryMinAge=0`;
    },
    async keys(bucket, prefix = '') {
      return (await objects(bucket, prefix)).map((o) => o.key);
    },
    objects,
    stop,
    start: launch,
    async close() {
      process.removeListener('exit', killOnExit);
      client.destroy();
      await stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function spawnServer(directory: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [CHILD, directory, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const lines = createInterface({ input: child.stdout! });
  try {
    const listening = await new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = /^listening (\d+)$/.exec(line);
        if (m) resolve(Number(m[1]));
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`the S3 test server exited (${signal ?? code}) before listening: ${stderr.trim()}`)));
    });
    // The test process must be free to exit while the server runs; 'exit' kills it.
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    return { child, port: listening };
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
}

let shared: Promise<TestS3> | undefined;

/** One server per test process, started on first use (the harness switch and the S3 suites share it). */
export function sharedTestS3(): Promise<TestS3> {
  shared ??= startTestS3();
  return shared;
}

export const REQUIRE_SCALEOUT = process.env['ORIGINSTORE_TEST_REQUIRE_SCALEOUT'] === '1';

/**
 * The shared S3 server (or one from `start`), or undefined after skipping `t` with the reason
 * (a failure instead when ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1).
 */
export async function s3OrSkip(t: TestContext, start: () => Promise<TestS3> = sharedTestS3): Promise<TestS3 | undefined> {
  try {
    return await start();
  } catch (err) {
    const reason = `S3 test server unavailable: ${(err as Error).message}`;
    if (REQUIRE_SCALEOUT) throw new Error(`${reason} (ORIGINSTORE_TEST_REQUIRE_SCALEOUT=1)`);
    process.stderr.write(`skipped: ${t.name}: ${reason}\n`);
    t.skip(reason);
    return undefined;
  }
}
