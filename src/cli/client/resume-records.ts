/**
 * Interrupted multipart puts, remembered so the next put of the same local
 * file (same size and mtime) to the same place continues it. The server
 * knows which pieces it holds but not what file they came from; this record
 * is what makes resuming safe. One small JSON file in the config directory.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configDir } from './profile.js';

export interface UploadKey {
  readonly url: string;
  readonly remotePath: string;
  readonly localPath: string;
  readonly sizeBytes: number;
  readonly mtimeMs: number;
}

const file = () => join(configDir(), 'uploads.json');
const keyOf = (k: UploadKey) => JSON.stringify([k.url, k.remotePath, k.localPath, k.sizeBytes, k.mtimeMs]);

async function readAll(): Promise<Record<string, string>> {
  try {
    return JSON.parse(await readFile(file(), 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

async function writeAll(records: Record<string, string>): Promise<void> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  const temp = `${file()}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(records), { mode: 0o600 });
  await rename(temp, file());
}

export async function findUpload(key: UploadKey): Promise<string | undefined> {
  return (await readAll())[keyOf(key)];
}

export async function rememberUpload(key: UploadKey, mpid: string): Promise<void> {
  const all = await readAll();
  all[keyOf(key)] = mpid;
  await writeAll(all);
}

export async function forgetUpload(key: UploadKey): Promise<void> {
  const all = await readAll();
  if (!(keyOf(key) in all)) return;
  delete all[keyOf(key)];
  await writeAll(all);
}
