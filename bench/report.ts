/** The bench's results as Markdown: the table, and docs/performance.md around it. */
import { spread, type Spread } from './client.js';
import type { Machine } from './system.js';

export interface Target {
  /** The ratio (or, with no ceiling, the value) must be at least / at most this. */
  readonly op: '>=' | '<=' | '<';
  readonly value: number;
  /** Judge by the worst repetition instead of the median (memory: a peak is a peak). */
  readonly worst?: boolean;
}

export interface Row {
  readonly hotPath: string;
  readonly unit: string;
  /** Samples per side, one per repetition: originstore, ceiling, and peers by name. */
  readonly values: Readonly<Record<string, readonly number[]>>;
  /** Per repetition, paired: usually originstore ÷ ceiling. */
  readonly ratios?: readonly number[];
  /** What the ratio divides, when it is not originstore ÷ ceiling. */
  readonly ratioOf?: string;
  readonly target?: Target;
  readonly note?: string;
}

export interface Results {
  readonly quick: boolean;
  readonly repetitions: number;
  readonly serverArgs: readonly string[];
  readonly cacheDrop: string;
  /** Names of the peers that ran, one column each. */
  readonly peers: readonly string[];
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

export function verdict(row: Row): 'met' | 'not met' | '—' {
  const t = row.target;
  if (t === undefined) return '—';
  const samples = row.ratios ?? row.values['originstore'] ?? [];
  if (samples.length === 0) return '—';
  const s = spread(samples);
  const judged = t.worst ? (t.op === '>=' ? s.min : s.max) : s.median;
  const ok = t.op === '>=' ? judged >= t.value : t.op === '<=' ? judged <= t.value : judged < t.value;
  return ok ? 'met' : 'not met';
}

function digits(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function cell(samples: readonly number[] | undefined): string {
  if (samples === undefined || samples.length === 0) return '—';
  const s: Spread = spread(samples);
  return samples.length === 1 ? digits(s.median) : `${digits(s.median)} (${digits(s.min)}–${digits(s.max)})`;
}

function targetText(row: Row): string {
  const t = row.target;
  if (t === undefined) return '—';
  const op = t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : '<';
  return `${op} ${t.value}${row.ratios ? '' : ` ${row.unit}`}`;
}

export function table(r: Results): string {
  const peers = r.peers;
  const head = ['hot path', 'unit', 'originstore', 'ceiling', 'ratio', 'target', 'verdict', ...peers];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const row of r.rows) {
    const ratio = row.ratios ? `${cell(row.ratios)}${row.ratioOf ? ` (${row.ratioOf})` : ''}` : '—';
    const cells = [row.hotPath, row.unit, cell(row.values['originstore']), cell(row.values['ceiling']), ratio, targetText(row), verdict(row),
      ...peers.map((p) => cell(row.values[p]))];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * docs/performance.md is hand-written prose around two generated blocks,
 * each between `<!-- NAME -->` and `<!-- /NAME -->`: "run" (the table and the
 * machine, from a full run) and "soak" (from a soak run). A run replaces its
 * own block and leaves the rest of the file alone.
 */
export function replaceBlock(doc: string, name: string, block: string): string {
  const start = `<!-- ${name} -->`;
  const end = `<!-- /${name} -->`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const fresh = `${start}\n${block.trim()}\n${end}`;
  if (a < 0 || b < a) return `${doc.trimEnd()}\n\n${fresh}\n`;
  return doc.slice(0, a) + fresh + doc.slice(b + end.length);
}

export function runBlock(r: Results, m: Machine): string {
  return `${table(r)}

${r.notes.map((n) => `- ${n}`).join('\n')}
- Date: ${m.date}
- CPU: ${m.cpu}, ${m.cores} cores; memory ${(m.memoryBytes / 1024 ** 3).toFixed(1)} GiB; ${m.kernel}; Node ${m.node}
- ${r.repetitions} repetitions; server arguments beyond the bench's own: ${r.serverArgs.length > 0 ? `\`${r.serverArgs.join(' ')}\`` : 'none'}
- Cold cache: ${r.cacheDrop}
- Peers: ${m.peers.length > 0 ? m.peers.join('; ') : 'none installed'}
- Filesystem of the temporary directory (\`df -h\`, before the run):

\`\`\`text
${m.df.trimEnd()}
\`\`\``;
}
