/**
 * `originstore fsck`: check a data directory offline (the server stopped),
 * print what was found, and with --repair fix what is safe to fix.
 * Exit codes follow e2fsck's: 0 nothing found, 1 everything found was
 * repaired, 4 problems remain.
 */
import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, parseDuration } from '../server/config.js';
import { openFsck } from '../server/fsck.js';
import type { FsckReport } from '../service/fsck.js';

export const FSCK_EXIT = { clean: 0, repaired: 1, problems: 4 } as const;

interface FsckFlags {
  dataDir?: string;
  repair?: boolean;
  json?: boolean;
  checksums: boolean;
  minAge: string;
}

export function registerFsck(program: Command): void {
  program.command('fsck')
    .description('check a data directory offline: blobs, sizes, SHA-256, multipart states, leftovers (--repair fixes what is safe)')
    .addOption(new Option('--data-dir <dir>', 'data directory [ORIGINSTORE_DATA_DIR]'))
    .option('--repair', 'delete unreferenced blobs and temporaries, mark incoherent multipart uploads FAILED')
    .option('--json', 'print the report as JSON')
    .option('--no-checksums', 'compare sizes only, without reading every blob')
    .option('--min-age <duration>', 'leave leftovers younger than this alone, in case a server is still writing them', '15m')
    // A usage error must not exit 1, which here means "everything found was repaired".
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (opts: FsckFlags) => {
      const config = loadConfig(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir });
      let minAgeSeconds: number;
      try {
        minAgeSeconds = parseDuration(opts.minAge);
      } catch (err) {
        throw new ConfigError(`--min-age: ${(err as Error).message}`);
      }
      const { fsck, close } = await openFsck(config.dataDir);
      let report: FsckReport;
      try {
        report = await fsck.run({ repair: opts.repair === true, verifyChecksums: opts.checksums, minAgeMs: minAgeSeconds * 1000 });
      } finally {
        await close();
      }
      process.stdout.write(opts.json ? `${JSON.stringify({ dataDir: config.dataDir, ...report }, null, 2)}\n` : describe(config.dataDir, report, minAgeSeconds));
      process.exitCode = report.problems > 0 ? FSCK_EXIT.problems : report.findings.length > 0 ? FSCK_EXIT.repaired : FSCK_EXIT.clean;
    });
}

function describe(dataDir: string, r: FsckReport, minAgeSeconds: number): string {
  const lines = [
    `originstore fsck ${dataDir}`,
    `  files       ${r.files}, in ${r.blobs} blobs (${r.bytesVerified} bytes checked against their SHA-256)`,
    `  multipart   ${r.multiparts} uploads, ${r.pendingJoins} joins pending (the server resumes them at start-up)`,
    `  collector   ${r.queuedGarbage} blobs queued for deletion`,
  ];
  for (const f of r.findings) lines.push(`  ${f.repaired ? 'repaired' : 'PROBLEM '}  ${f.kind}  ${f.subject}: ${f.detail}`);
  const kept = r.findings.some((f) => !f.repaired && (f.kind === 'unreferenced-blob' || f.kind === 'temporary'));
  if (kept && minAgeSeconds > 0) lines.push(`  (leftovers younger than ${minAgeSeconds}s are kept; with no server running, --min-age 0 removes them)`);
  const repaired = r.findings.length - r.problems;
  lines.push(r.findings.length === 0 ? 'no problems found' : `${r.problems} problem(s) left, ${repaired} repaired`);
  return `${lines.join('\n')}\n`;
}
