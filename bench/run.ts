/**
 * npm run bench: originstore against bare-Node ceilings (and nginx and
 * rclone where installed), side by side in one run, so that ratios mean
 * something on a noisy machine (docs/performance.md says how to read them).
 * Options are in bench/options.ts. Prints the table; a full run rewrites
 * the generated block of docs/performance.md, a soak run its soak block.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.js';
import { replaceBlock, runBlock, table, type Results, type Row } from './report.js';
import { egressRows, listRows, smallUploadRow, statRows } from './rows-requests.js';
import { getColdRow, getWarmRow, joinRows, memoryRows, uploadRow } from './rows-transfer.js';
import { canFill, startBench, type Bench } from './setup.js';
import { soak, soakBlock } from './soak.js';
import { describeMachine } from './system.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DOC = join(REPO, 'docs', 'performance.md');

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function measure(b: Bench): Promise<Results> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const want = (group: string): boolean => b.options.only === undefined || b.options.only.has(group);
  const upload = want('upload') || want('get') || want('join') ? await uploadRow(b) : undefined;
  if (upload && want('upload')) rows.push(upload);
  if (want('get')) {
    rows.push(await getWarmRow(b));
    const cold = await getColdRow(b);
    rows.push(cold.row);
    if (cold.residentBytes !== undefined) {
      notes.push(`After each cache drop, at most ${(cold.residentBytes / 1e6).toFixed(1)} MB of the large files was still resident (fincore).`);
    }
  }
  if (want('egress')) rows.push(...(await egressRows(b)));
  if (want('stat')) rows.push(...(await statRows(b)));
  if (want('list')) rows.push(...(await listRows(b)));
  if (want('list') && !canFill(b)) notes.push('The listing rows were skipped: their bulk fill writes SQLite or PostgreSQL only.');
  if (want('small-upload')) rows.push(await smallUploadRow(b));
  if (want('join')) rows.push(...(await joinRows(b, upload!.values['originstore']!)));
  if (want('memory')) rows.push(...(await memoryRows(b)));
  const cacheDrop = {
    drop_caches: 'sync, then `echo 3 > /proc/sys/vm/drop_caches` before each read',
    fadvise: '`/proc/sys/vm/drop_caches` is not writable here, so before each read every large file of the run is dropped from the page cache with `dd iflag=nocache count=0` (posix_fadvise POSIX_FADV_DONTNEED over the whole file)',
    none: 'no way to drop the page cache was found: the cold row is warm',
  }[b.cacheDrop];
  return { quick: b.options.quick, repetitions: b.options.sizes.repetitions, serverArgs: b.options.scaleOut ? ['--scale-out'] : b.options.serverArgs, cacheDrop, peers: b.peers.map((p) => p.name), rows, notes };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const b = await startBench(REPO, options, log);
  process.once('SIGINT', () => void b.stop().finally(() => process.exit(130)));
  try {
    const machine = await describeMachine(b.root, b.peers.map((p) => p.version));
    if (options.soakSeconds !== undefined) {
      const result = await soak(b, options.soakSeconds);
      const block = soakBlock(result, machine.date);
      console.log(`\n${block}\n`);
      if (options.write) await writeFile(DOC, replaceBlock(await readFile(DOC, 'utf8'), 'soak', block));
      return;
    }
    const results = await measure(b);
    console.log(`\n${table(results)}\n`);
    if (options.write) {
      // The embedded default's run and the scale-out run are kept side by side.
      await writeFile(DOC, replaceBlock(await readFile(DOC, 'utf8'), options.scaleOut ? 'scale-out-run' : 'run', runBlock(results, machine)));
      log('wrote docs/performance.md');
    }
  } finally {
    await b.stop();
  }
}

await main();
