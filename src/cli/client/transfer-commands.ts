/** put and get: files between this machine and the server, with progress, resuming what was interrupted. */
import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { OriginStoreClient, UploadFileOptions, UploadFileResult } from '../../client/index.js';
import { downloadToFile, fileSource, fromNodeStream } from '../../client/node.js';
import { clientCommand, run } from './context.js';
import { UsageError } from './output.js';
import { human, progressBar } from './progress.js';
import { forgetUpload, findUpload, rememberUpload, type UploadKey } from './resume-records.js';
import { baseName, isDirectory, joinRemote, parseSizeBytes, remotePath } from './remote.js';

interface PutOptions {
  concurrency: string;
  partSize: string;
  threshold: string;
  contentType?: string;
  resume: boolean;
  quiet?: boolean;
}

function sizeOption(raw: string, name: string): number {
  try {
    return parseSizeBytes(raw);
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
}

function countOption(raw: string, name: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name}: '${raw}' is not a whole number above 0`);
  return Number(raw);
}

export function uploadOptions(opts: PutOptions): UploadFileOptions {
  return {
    concurrency: countOption(opts.concurrency, '--concurrency'),
    partSizeBytes: sizeOption(opts.partSize, '--part-size'),
    multipartThresholdBytes: sizeOption(opts.threshold, '--threshold'),
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
  };
}

/** A put of a local file; an interrupted multipart put of the same file to the same place is continued. */
async function putFile(client: OriginStoreClient, local: string, remote: string, options: UploadFileOptions & { resume: boolean }): Promise<UploadFileResult & { resumed: boolean }> {
  const info = await stat(local);
  const key: UploadKey = { url: client.url, remotePath: remote, localPath: resolve(local), sizeBytes: info.size, mtimeMs: info.mtimeMs };
  let resumeId = options.resume ? await findUpload(key) : undefined;
  if (resumeId) {
    const status = await client.getMultipartStatus(resumeId).catch(() => undefined);
    if (!status || ![1, 2].includes(status.state)) resumeId = undefined;
  }
  const result = await client.uploadFile(await fileSource(local), remote, {
    ...options,
    ...(resumeId ? { resumeMultipartId: resumeId } : {}),
    onMultipartCreated: (mpid) => void rememberUpload(key, mpid),
  });
  await forgetUpload(key);
  return { ...result, resumed: resumeId !== undefined };
}

function resumeNote(fromBytes: number, sizeBytes: number): string {
  if (fromBytes === 0) return '';
  return fromBytes === sizeBytes ? ', already complete: checked only' : `, continued from ${human(fromBytes)}`;
}

export function registerTransferCommands(program: Command): void {
  clientCommand(program, 'put <local> [remote]', "upload a file ('-' reads standard input); large files go up in parallel pieces")
    .option('--concurrency <n>', 'pieces sent at once', '4')
    .option('--part-size <size>', 'size of each piece of a multipart upload', '16MiB')
    .option('--threshold <size>', 'files larger than this are sent as a multipart upload', '64MiB')
    .option('--content-type <type>', 'content type to store (default: from the name)')
    .option('--no-resume', 'start again instead of continuing an interrupted upload of the same file')
    .option('-q, --quiet', 'no progress bar')
    .addHelpText('after', '\nREMOTE defaults to the file name in the root; an existing directory receives the file under its own name.\n')
    .action(run(async (ctx, local: string, target: string | undefined, opts: PutOptions) => {
      const client = await ctx.client();
      const name = local === '-' ? 'stdin' : basename(local);
      let remote = remotePath(target ?? name);
      if (target === undefined || target.endsWith('/') || (await isDirectory(client, remote))) remote = joinRemote(target === undefined ? '/' : remote, name);
      const bar = progressBar(`put ${name}`, { json: ctx.out.json, quiet: opts.quiet ?? false });
      const options = { ...uploadOptions(opts), onProgress: (p: Parameters<typeof bar.update>[0]) => bar.update(p), onJoining: () => bar.note('joining pieces…') };
      try {
        const result = local === '-'
          ? { ...(await client.uploadFile(fromNodeStream(process.stdin), remote, options)), resumed: false }
          : await putFile(client, local, remote, { ...options, resume: opts.resume });
        bar.stop();
        ctx.out.result(result, () => `${local} → ${result.path} (${human(result.sizeBytes)}, sha256 ${result.sha256}${result.method === 'multipart' ? `, ${result.pieces} pieces${result.resumed ? `, ${result.skippedPieces} already there` : ''}` : ''})`);
      } finally {
        bar.stop();
      }
    }));

  clientCommand(program, 'get <remote> [local]', "download a file ('-' writes standard output); a partial local file is continued with Range")
    .option('--no-resume', 'download the whole file again even when a partial local file exists')
    .option('-q, --quiet', 'no progress bar')
    .action(run(async (ctx, source: string, target: string | undefined, opts: { resume: boolean; quiet?: boolean }) => {
      const client = await ctx.client();
      const remote = remotePath(source);
      if (target === '-') {
        const got = await client.download(remote);
        await pipeline(Readable.fromWeb(got.body as import('node:stream/web').ReadableStream<Uint8Array>), process.stdout);
        return;
      }
      let local = target ?? baseName(remote);
      if (await stat(local).then((s) => s.isDirectory(), () => false)) local = `${local.replace(/\/+$/, '')}/${baseName(remote)}`;
      const bar = progressBar(`get ${baseName(remote)}`, { json: ctx.out.json, quiet: opts.quiet ?? false });
      try {
        const result = await downloadToFile(client, remote, local, { resume: opts.resume, onProgress: (p) => bar.update(p) });
        bar.stop();
        ctx.out.result({ remote, ...result }, () => `${remote} → ${local} (${human(result.sizeBytes)}${resumeNote(result.resumedFromBytes, result.sizeBytes)}, sha256 ${result.sha256})`);
      } finally {
        bar.stop();
      }
    }));
}
