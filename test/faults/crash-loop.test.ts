/**
 * A few cycles of the crash loop (crash-loop.ts says what each checks) on
 * every `npm test`, with a fixed seed; `npm run test:long` runs hundreds.
 */
import { test } from 'node:test';
import { runCrashLoop } from './crash-loop.js';

const SEED = Number(process.env['ORIGINSTORE_CRASH_SEED'] ?? 0xc0ffee);
const CYCLES = 6;

test(`crash loop: ${CYCLES} SIGKILLs amid concurrent uploads, joins, renames and deletes lose nothing acknowledged and leave no garbage fsck cannot remove (seed ${SEED})`, { timeout: 5 * 60_000 }, async (t) => {
  const summary = await runCrashLoop({ cycles: CYCLES, seed: SEED, log: (line) => t.diagnostic(line) });
  t.diagnostic(JSON.stringify(summary));
});
