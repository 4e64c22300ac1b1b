/**
 * The crash loop: concurrent uploads, replacements, multipart joins, renames
 * and deletes against the real server in a child process, which is killed
 * with SIGKILL at a seeded moment, checked offline with fsck, and restarted,
 * cycle after cycle on the same data directory. After every restart:
 *   - every acknowledged operation holds (an acknowledged file is there whole,
 *     by size and SHA-256 through stat and GET; a deleted or renamed-away one
 *     is gone), and an operation cut short left either its before or its after;
 *   - nothing half-written is visible (every visible file is exactly the bytes
 *     of one upload or one join);
 *   - a multipart upload whose completion was acknowledged ends SUCCESS;
 *   - fsck finds nothing but what a crash may leave (unreferenced blobs and
 *     temporaries, no more than the operations in flight), and after
 *     `--repair` nothing at all, so garbage never accumulates.
 *
 * `npm test` runs a few cycles (crash-loop.test.ts). For hundreds:
 *   node --import tsx test/faults/crash-loop.ts --long [--cycles N] [--seed S]
 * (or `npm run test:long`). Every choice comes from the seed, which failures
 * print; the moments of the kills depend on timing too, so a replay is close
 * to the failing run, not identical.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { openFsck } from '../../src/server/fsck.js';
import type { FsckReport } from '../../src/service/fsck.js';
import { compileServer, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { Prng } from '../helpers/malformed.js';
import { agile, bytesOf, observe, postRaw, rpc, rpcOk, sha256, uploadSize, type State } from './crash-loop-client.js';

const PASSWORD = 'crash-loop';
const WORKERS = 6;
const UPLOAD = { COMPLETE: 3, JOIN: 5, SUCCESS: 6, FAILED: 12 } as const;
const DIRECTORIES = ['/loop/d0', '/loop/d1', '/loop/d2', '/loop/d3', '/loop/mp'];

export interface CrashLoopOptions {
  readonly cycles: number;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

export interface CrashLoopSummary {
  readonly cycles: number;
  readonly acknowledged: number;
  readonly cutShort: number;
  readonly unreferencedRepaired: number;
}


interface MultipartOp {
  readonly path: string;
  mpid?: string;
  readonly sha256: string;
  completed: boolean;
}

class Model {
  /** Path → the states it may be in (one once known; two while an operation on it was cut short). */
  readonly files = new Map<string, Set<State>>();
  readonly sizes = new Map<string, number>();
  readonly multiparts: MultipartOp[] = [];
  /** Renames cut short: exactly one of the two paths holds the file. */
  readonly renames: [string, string][] = [];
  readonly busy = new Set<string>();

  stateOf(path: string): State {
    const s = this.files.get(path);
    if (!s || s.size !== 1) throw new Error(`${path} is not in a known state`);
    return [...s][0]!;
  }

  idle(predicate: (s: State) => boolean): string[] {
    return [...this.files].filter(([p, s]) => !this.busy.has(p) && s.size === 1 && predicate([...s][0]!)).map(([p]) => p);
  }

  set(path: string, state: State): void {
    this.files.set(path, new Set([state]));
  }

  maybe(path: string, state: State): void {
    const s = this.files.get(path) ?? new Set<State>([null]);
    s.add(state);
    this.files.set(path, s);
  }
}

class Cycle {
  acknowledged = 0;
  cutShort = 0;
  killed = false;
  private killing: Promise<unknown> | undefined;

  constructor(
    private readonly rng: Prng,
    private readonly model: Model,
    private readonly server: ChildServer,
    private readonly token: string,
    private readonly cycle: number,
    private readonly killAfterAcks: number,
  ) {}

  /** Runs the workers until the server is killed; resolves once every operation has ended. */
  async run(): Promise<void> {
    let n = 0;
    const worker = async (w: number): Promise<void> => {
      while (!this.killed) {
        const done = await this.operation(`c${this.cycle}w${w}n${n++}`);
        if (done === 'acked') this.ack();
        else if (done === 'cut') this.cutShort++;
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await this.killing;
  }

  private ack(): void {
    this.acknowledged++;
    if (this.acknowledged !== this.killAfterAcks) return;
    // A seeded moment shortly after, so that the kill lands inside operations rather than between them.
    const wait = this.rng.int(25);
    this.killing = delay(wait).then(() => {
      this.killed = true;
      return this.server.kill('SIGKILL');
    });
  }

  private async operation(tag: string): Promise<'acked' | 'cut' | 'none'> {
    const m = this.model;
    // Deletes catch up once there are many files, so that a long run's checks stay as quick as its first.
    const deletes = m.files.size > 150 ? 8 : 1;
    const kind = this.rng.weighted<string>([[5, 'upload'], [2, 'replace'], [2, 'multipart'], [1, 'rename'], [deletes, 'delete']]);
    const url = this.server.url;
    if (kind === 'upload' || kind === 'replace') {
      const targets = kind === 'replace' ? m.idle((s) => s !== null) : [];
      const path = targets.length > 0 ? this.rng.pick(targets) : `/loop/d${this.rng.int(4)}/${tag}.bin`;
      const bytes = bytesOf(this.rng, uploadSize(this.rng), tag);
      const sha = sha256(bytes);
      m.sizes.set(sha, bytes.length);
      return this.track([path], () => postRaw(url, this.token, path, bytes), () => m.set(path, sha), () => m.maybe(path, sha));
    }
    if (kind === 'delete' || kind === 'rename') {
      const sources = m.idle((s) => s !== null);
      if (sources.length === 0) return 'none';
      const from = this.rng.pick(sources);
      if (kind === 'delete') return this.track([from], () => rpcOk(url, 'deleteFile', [this.token, from]), () => m.set(from, null), () => m.maybe(from, null));
      const to = `/loop/d${this.rng.int(4)}/${tag}.renamed`;
      const state = m.stateOf(from);
      return this.track([from, to], () => rpcOk(url, 'rename', [this.token, from, to]), () => {
        m.set(to, state);
        m.set(from, null);
      }, () => {
        m.maybe(to, state);
        m.maybe(from, null);
        m.renames.push([from, to]);
      });
    }
    return this.multipart(tag);
  }

  /** Run `op` with its paths busy; record its outcome as acknowledged or cut short. */
  private async track(paths: string[], op: () => Promise<boolean>, acked: () => void, cut: () => void): Promise<'acked' | 'cut' | 'none'> {
    for (const p of paths) this.model.busy.add(p);
    const ok = await op();
    for (const p of paths) this.model.busy.delete(p);
    if (ok) {
      acked();
      return 'acked';
    }
    if (!this.killed && !this.server.process.killed) throw new Error(`an operation failed while the server was up (${paths.join(', ')})`);
    cut();
    return 'cut';
  }

  private async multipart(tag: string): Promise<'acked' | 'cut'> {
    const url = this.server.url;
    const path = `/loop/mp/${tag}.bin`;
    const pieces = Array.from({ length: 1 + this.rng.int(3) }, (_, i) => bytesOf(this.rng, 1 + this.rng.int(300 << 10), `${tag}p${i}`));
    const joined = Buffer.concat(pieces);
    const op: MultipartOp = { path, sha256: sha256(joined), completed: false };
    this.model.sizes.set(op.sha256, joined.length);
    this.model.multiparts.push(op);
    this.model.busy.add(path);
    const auth = { 'X-Agile-Authorization': this.token };
    const created = await agile(fetch(`${url}/multipart/create`, { method: 'POST', headers: { ...auth, 'X-Agile-Directory': '/loop/mp', 'X-Agile-Basename': `${tag}.bin` } }));
    if (!created) return this.cut();
    op.mpid = created.headers.get('x-agile-multipart')!;
    for (const [i, piece] of pieces.entries()) {
      const sent = await agile(fetch(`${url}/multipart/piece`, { method: 'POST', headers: { ...auth, 'X-Agile-Multipart': op.mpid, 'X-Agile-Part': String(i + 1) }, body: piece as BodyInit }));
      if (!sent) return this.cut();
    }
    if (!(await agile(fetch(`${url}/multipart/complete`, { method: 'POST', headers: { ...auth, 'X-Agile-Multipart': op.mpid } })))) return this.cut();
    op.completed = true;
    return 'acked';
  }

  private cut(): 'cut' {
    if (!this.killed) throw new Error('a multipart request failed while the server was up');
    return 'cut';
  }
}

/** stat and GET of one path: null when absent; otherwise both must agree on size and SHA-256. */
async function verify(url: string, token: string, model: Model): Promise<void> {
  for (const op of model.multiparts.splice(0)) {
    let state: number | undefined;
    if (op.mpid !== undefined) {
      // Wait for the join the restarted server resumed: a condition polled, not a timed assertion.
      for (;;) {
        state = (await rpc(url, 'getMultipartStatus', [token, op.mpid])).state as number;
        if (state !== UPLOAD.COMPLETE && state !== UPLOAD.JOIN) break;
        await delay(20);
      }
    }
    if (op.completed) assert.equal(state, UPLOAD.SUCCESS, `${op.path}: an acknowledged completion ended in state ${state}`);
    assert.notEqual(state, UPLOAD.FAILED, `${op.path}: a join failed after the restart`);
    model.set(op.path, state === UPLOAD.SUCCESS ? op.sha256 : null);
  }
  model.busy.clear();
  for (const [path, states] of model.files) {
    const seen = await observe(url, token, path);
    assert.ok(states.has(seen), `${path}: found ${seen === null ? 'nothing' : `${seen} (${model.sizes.get(seen) ?? 'unknown size'})`}, expected one of ${[...states].join(', ')}`);
    if (seen === null) model.files.delete(path);
    else model.set(path, seen);
  }
  for (const [from, to] of model.renames.splice(0)) {
    assert.equal(Number(model.files.has(from)) + Number(model.files.has(to)), 1, `rename ${from} → ${to}: the file must be at exactly one of them`);
  }
  const listed = new Set<string>();
  for (const dir of DIRECTORIES) {
    const r = await rpc(url, 'listFile', [token, dir, 10_000, 0, false]);
    if (r.code === 0) for (const f of r.list as { name: string }[]) listed.add(`${dir}/${f.name}`);
  }
  assert.deepEqual([...listed].filter((p) => !model.files.has(p)), [], 'files no operation wrote');
}

/** Offline: only what a crash may leave, no more than the operations in flight; then repaired to nothing. */
async function fsckAfterKill(dataDir: string, inFlight: number): Promise<number> {
  const { fsck, close } = await openFsck(dataDir);
  try {
    const found: FsckReport = await fsck.run({ repair: true, minAgeMs: 0 });
    const unexpected = found.findings.filter((f) => f.kind !== 'unreferenced-blob' && f.kind !== 'temporary');
    assert.deepEqual(unexpected, [], 'fsck found damage after a crash');
    const unreferenced = found.findings.filter((f) => f.kind === 'unreferenced-blob').length;
    // Each operation in flight writes at most one blob at a time (a piece, an upload or a join's output).
    assert.ok(unreferenced <= inFlight + WORKERS, `${unreferenced} unreferenced blobs after a crash with ${inFlight} operations in flight`);
    assert.equal(found.problems, 0, 'fsck --repair left problems');
    const after = await fsck.run();
    assert.deepEqual(after.findings, [], 'fsck finds leftovers after --repair');
    return unreferenced;
  } finally {
    await close();
  }
}

export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopSummary> {
  const log = options.log ?? (() => undefined);
  const rng = new Prng(options.seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'originstore-crash-loop-'));
  const compiled = await compileServer();
  const model = new Model();
  let server: ChildServer | undefined;
  let acknowledged = 0;
  let cutShort = 0;
  let unreferencedRepaired = 0;
  try {
    server = await startChildServer({ dataDir, password: PASSWORD, entry: compiled.entry });
    let [token] = (await rpc(server.url, 'login', ['demo', PASSWORD])) as [string];
    for (const dir of DIRECTORIES) assert.equal(await rpc(server.url, 'makeDir2', [token, dir]), 0);
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const round = new Cycle(rng, model, server, token, cycle, 3 + rng.int(40));
      await round.run();
      assert.equal(await server.exited, 'SIGKILL');
      acknowledged += round.acknowledged;
      cutShort += round.cutShort;
      const unreferenced = await fsckAfterKill(dataDir, round.cutShort + model.multiparts.length);
      unreferencedRepaired += unreferenced;
      server = await startChildServer({ dataDir, password: PASSWORD, entry: compiled.entry });
      // A new token each cycle: a long run outlives a session.
      [token] = (await rpc(server.url, 'login', ['demo', PASSWORD])) as [string];
      await verify(server.url, token, model);
      // Only now: until the resumed joins end, their output is a temporary.
      assert.deepEqual(await readdir(join(dataDir, 'tmp')), [], 'temporaries survived the restart');
      log(`cycle ${cycle}: ${round.acknowledged} acknowledged, ${round.cutShort} cut short, ${unreferenced} unreferenced blobs repaired, ${model.files.size} files`);
    }
    assert.equal(await server.kill('SIGTERM'), 0);
    const { fsck, close } = await openFsck(dataDir);
    try {
      assert.deepEqual((await fsck.run()).findings, [], 'fsck after a clean stop');
    } finally {
      await close();
    }
    return { cycles: options.cycles, acknowledged, cutShort, unreferencedRepaired };
  } catch (err) {
    (err as Error).message = `crash loop with seed ${options.seed}: ${(err as Error).message}`;
    throw err;
  } finally {
    await server?.kill('SIGKILL');
    await compiled.remove();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const long = args.includes('--long') || process.env['ORIGINSTORE_CRASH_LOOP_LONG'] === '1';
  const cycles = Number(value('--cycles') ?? (long ? 300 : 5));
  const seed = Number(value('--seed') ?? process.env['ORIGINSTORE_CRASH_SEED'] ?? Date.now() % 2 ** 31);
  process.stdout.write(`crash loop: ${cycles} cycles, seed ${seed}\n`);
  runCrashLoop({ cycles, seed, log: (line) => process.stdout.write(`${line}\n`) }).then(
    (s) => process.stdout.write(`done: ${JSON.stringify(s)}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
