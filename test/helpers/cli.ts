/**
 * Runs the `originstore` client commands as a user would: a child process
 * with its own config directory, talking to a test server through the
 * environment or a saved profile.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { PASSWORD, USER, type TestServer } from './server.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, when it is JSON. */
  readonly json: any;
}

export interface CliOptions {
  readonly env?: Record<string, string | undefined>;
  /** Fed to standard input. */
  readonly input?: string | Readable;
  /** Receives standard output as it comes (then `stdout` stays empty). */
  readonly onStdout?: (chunk: Buffer) => void;
  readonly onSpawn?: (pid: number) => void;
}

export async function newConfigDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'originstore-cli-'));
}

/** The environment that points the commands at `server` as alice. */
export function serverEnv(server: TestServer, configDir: string): Record<string, string> {
  return { ORIGINSTORE_URL: server.url, ORIGINSTORE_USER: USER, ORIGINSTORE_PASSWORD: PASSWORD, ORIGINSTORE_CONFIG_DIR: configDir };
}

export function originstore(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...(options.env ?? {}) })) if (v !== undefined && !k.startsWith('NODE_TEST')) env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (options.onStdout ? options.onStdout(chunk) : (stdout += chunk.toString('utf8'))));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const input = options.input;
  if (input === undefined) child.stdin.end();
  else if (typeof input === 'string') child.stdin.end(input);
  else input.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr, json });
    });
  });
}
