/** `originstore mp ls|status|abort`: the caller's multipart uploads. */
import type { Command } from 'commander';
import type { OriginStoreClient, MultipartSummary, PieceSummary } from '../../client/index.js';
import { clientCommand, run } from './context.js';
import { human } from './progress.js';

const STATE_NAMES: Record<number, string> = {
  0: 'UNKNOWN', 1: 'NEW', 2: 'READY', 3: 'COMPLETE', 5: 'JOIN', 6: 'SUCCESS', 8: 'DELETED', 9: 'ERROR', 10: 'ABORT', 11: 'EXPIRED', 12: 'FAILED',
};
const stateName = (state: number) => STATE_NAMES[state] ?? String(state);

async function allUploads(client: OriginStoreClient): Promise<MultipartSummary[]> {
  const out: MultipartSummary[] = [];
  let cookie = 0;
  for (;;) {
    const page = await client.listMultipart({ cookie, pageSize: 1000 });
    out.push(...page.multipart);
    if (page.multipart.length === 0 || page.cookie === 0 || page.cookie === cookie) return out;
    cookie = page.cookie;
  }
}

async function allPieces(client: OriginStoreClient, mpid: string): Promise<PieceSummary[]> {
  const out: PieceSummary[] = [];
  let cookie = 0;
  for (;;) {
    const page = await client.listMultipartPiece(mpid, { cookie, pageSize: 1000 });
    out.push(...page.pieces);
    if (page.pieces.length === 0 || page.cookie === 0 || page.cookie === cookie) return out;
    cookie = page.cookie;
  }
}

export function registerMultipartCommands(program: Command): void {
  const mp = program.command('mp').description('multipart uploads: ls, status, abort');

  clientCommand(mp, 'ls', 'list your multipart uploads (open ones only unless --all)')
    .option('-a, --all', 'include completed, aborted and failed uploads')
    .action(run(async (ctx, opts: { all?: boolean }) => {
      const uploads = (await allUploads(await ctx.client())).filter((u) => opts.all || u.state === 1 || u.state === 2);
      ctx.out.result(uploads.map((u) => ({ ...u, stateName: stateName(u.state) })), () =>
        uploads.map((u) => `${u.mpid}  ${stateName(u.state).padEnd(8)} ${new Date(u.mtime * 1000).toISOString().slice(0, 19)}  ${u.path}`).join('\n'));
    }));

  clientCommand(mp, 'status <mpid>', 'state of one multipart upload and its pieces')
    .action(run(async (ctx, mpid: string) => {
      const client = await ctx.client();
      const status = await client.getMultipartStatus(mpid);
      const pieces = await allPieces(client, mpid);
      const bytes = pieces.reduce((n, p) => n + p.size, 0);
      ctx.out.result({ mpid, ...status, stateName: stateName(status.state), pieces, pieceBytes: bytes }, () => [
        `mpid: ${mpid}`, `path: ${status.path}`, `state: ${stateName(status.state)}${status.error ? ` (error ${status.error})` : ''}`,
        `pieces: ${pieces.length} (${human(bytes)})`, `created: ${new Date(status.created * 1000).toISOString()}`,
      ].join('\n'));
    }));

  clientCommand(mp, 'abort <mpid>', 'abort a multipart upload; its pieces are discarded')
    .action(run(async (ctx, mpid: string) => {
      await (await ctx.client()).abortMultipart(mpid);
      ctx.out.result({ mpid, aborted: true }, () => `${mpid} aborted`);
    }));
}
