/**
 * What the client commands print, and their exit codes. With --json every
 * command prints exactly one JSON document on stdout, the error included;
 * otherwise results go to stdout and errors to stderr, each error naming
 * the result code, what it means and what to do.
 */
import { CommanderError } from 'commander';
import { OriginStoreError, OriginStoreNetworkError } from '../../client/index.js';
import { ProfileMissing } from './profile.js';

/** Exit codes scripts can rely on (README, "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** The server refused the operation; the message names the result code. */
  refused: 1,
  usage: 2,
  notFound: 3,
  /** Bad credentials, an ended token, or no profile. */
  auth: 4,
  /** No answer from the server. */
  network: 5,
  /** A digest did not match: the bytes stored or received are not the bytes sent. */
  verify: 6,
} as const;

export class UsageError extends Error {}

/** "1 file", "2 files". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export interface Output {
  readonly json: boolean;
  /** A result: the JSON document with --json, else the text lines. */
  result(json: unknown, text: () => string): void;
  /** A line of human output (never with --json). */
  line(text: string): void;
}

export function output(json: boolean): Output {
  return {
    json,
    result(value, text) {
      process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(text()));
    },
    line(text) {
      if (!json) process.stdout.write(ensureNewline(text));
    },
  };
}

function ensureNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

const HINTS: Record<string, string> = {
  InvalidToken: "log in again with 'originstore login URL'",
  BadCredentials: "check the user name and password, then 'originstore login URL' again",
  NotFound: "check the path with 'originstore ls'",
  ParentMissing: "create the parent first with 'originstore mkdir -p'",
  AlreadyExists: 'choose another name, or remove what is there first',
  NotEmpty: "remove its contents first, or use 'originstore rm -r'",
  IsDirectory: 'give the path of a file, not a directory',
  PermissionDenied: 'the path is outside what this user may reach',
  InvalidPath: 'see the path limits: segments up to 255 bytes, no "." or ".." segments',
  ChecksumMismatch: 'the bytes were damaged on the way: run the command again',
  RateLimited: 'the server limits the upload rate: wait a moment and run it again',
  Busy: 'the server is busy: wait a moment and run it again',
  DiskFull: 'the server is out of space: free some, then run it again',
  UnknownMultipart: "list the uploads with 'originstore mp ls'",
};

export interface Failure {
  readonly exitCode: number;
  readonly json: Record<string, unknown>;
  readonly text: string;
}

export function describeFailure(err: unknown): Failure {
  if (err instanceof OriginStoreError) {
    const hint = err.kind ? HINTS[err.kind] : undefined;
    const exitCode = err.kind === 'InvalidToken' || err.kind === 'BadCredentials' ? EXIT.auth
      : err.kind === 'NotFound' ? EXIT.notFound
        : err.kind === 'ChecksumMismatch' ? EXIT.verify : EXIT.refused;
    return {
      exitCode,
      json: { error: { code: err.code, meaning: err.meaning, call: err.call, kind: err.kind ?? null, httpStatus: err.httpStatus ?? null, hint: hint ?? null } },
      text: `${err.call} failed with result code ${err.code}: ${err.meaning}${err.httpStatus ? ` (HTTP ${err.httpStatus})` : ''}${hint ? `\n  what to do: ${hint}` : ''}`,
    };
  }
  if (err instanceof OriginStoreNetworkError) {
    const cause = (err.cause as Error)?.cause as Error | undefined;
    const why = cause?.message ?? (err.cause as Error)?.message ?? '';
    return {
      exitCode: EXIT.network,
      json: { error: { code: null, meaning: `no answer from the server: ${why}`, call: err.call, kind: 'Network', hint: 'check the URL and that the server is running' } },
      text: `${err.call}: no answer from the server (${why})\n  what to do: check the URL and that the server is running`,
    };
  }
  if (err instanceof ProfileMissing) {
    return { exitCode: EXIT.auth, json: { error: { code: null, meaning: err.message, kind: 'NoProfile' } }, text: err.message };
  }
  if (err instanceof UsageError) {
    return { exitCode: EXIT.usage, json: { error: { code: null, meaning: err.message, kind: 'Usage' } }, text: err.message };
  }
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
    return {
      exitCode: e.code === 'ENOENT' ? EXIT.notFound : EXIT.refused,
      json: { error: { code: null, meaning: e.message, kind: e.code } },
      text: e.message,
    };
  }
  return { exitCode: EXIT.refused, json: { error: { code: null, meaning: String(e?.message ?? err), kind: 'Error' } }, text: String(e?.stack ?? err) };
}

export function report(err: unknown, json: boolean): number {
  const failure = describeFailure(err);
  if (json) process.stdout.write(`${JSON.stringify(failure.json, null, 2)}\n`);
  else process.stderr.write(`originstore: ${failure.text}\n`);
  return failure.exitCode;
}

/** Commander's own errors (unknown option, missing argument) exit with the usage code; --help exits 0. */
export function exitOnCommanderError(err: CommanderError): never {
  process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
}
