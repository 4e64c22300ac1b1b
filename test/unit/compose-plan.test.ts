/** The S3 compose plan keeps every part within S3's limits and covers every byte once, in order. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planParts, type PartPlan, type PlanLimits } from '../../src/adapters/s3/compose-plan.js';

const MiB = 1024 * 1024;
const LIMITS: PlanLimits = { minPartBytes: 5 * MiB, targetPartBytes: 8 * MiB, maxCopyPartBytes: 5 * 1024 * MiB, maxParts: 10_000 };

function segmentsOf(plan: PartPlan[]) {
  return plan.flatMap((p) => (p.kind === 'copy' ? [p.segment] : p.segments));
}

function sizeOf(p: PartPlan): number {
  return p.kind === 'copy' ? p.segment.end - p.segment.start : p.sizeBytes;
}

function checkPlan(sizes: number[], plan: PartPlan[]): void {
  // Every byte of every source once, in order.
  const expected = sizes.flatMap((size, source) => (size > 0 ? [{ source, size }] : []));
  let at = 0;
  for (const { source, size } of expected) {
    let offset = 0;
    for (; at < segmentsOf(plan).length && segmentsOf(plan)[at]!.source === source; at++) {
      const seg = segmentsOf(plan)[at]!;
      assert.equal(seg.start, offset);
      offset = seg.end;
    }
    assert.equal(offset, size, `source ${source} is covered whole`);
  }
  plan.forEach((part, i) => {
    const last = i === plan.length - 1;
    if (!last) assert.ok(sizeOf(part) >= LIMITS.minPartBytes, `part ${i + 1} is under 5 MiB and not the last`);
    if (part.kind === 'copy') assert.ok(sizeOf(part) <= LIMITS.maxCopyPartBytes, `part ${i + 1} copies more than 5 GiB`);
    else assert.ok(part.sizeBytes <= LIMITS.targetPartBytes + 2 * LIMITS.minPartBytes, `part ${i + 1} buffers too much`);
  });
}

const cases: Array<{ name: string; sizes: number[]; copies: number }> = [
  { name: 'large pieces are copied whole', sizes: [6 * MiB, 7 * MiB, 6 * MiB], copies: 3 },
  { name: 'small pieces only are uploaded, none copied', sizes: [MiB, 2 * MiB, 10, 0], copies: 0 },
  { name: 'a small piece before a large one is topped up from its head', sizes: [MiB, 20 * MiB], copies: 1 },
  { name: 'a small piece before a large one that would leave too little is merged whole', sizes: [MiB, 6 * MiB, 6 * MiB], copies: 1 },
  { name: 'a piece over 5 GiB is copied in ranges', sizes: [12 * 1024 * MiB + 3], copies: 3 },
  { name: 'a small last piece is the last part', sizes: [6 * MiB, 6 * MiB, 10], copies: 2 },
  { name: 'many small pieces are gathered into parts of the target size', sizes: Array.from({ length: 40 }, () => MiB), copies: 0 },
];
for (const { name, sizes, copies } of cases) {
  test(`compose plan: ${name}`, () => {
    const plan = planParts(sizes, LIMITS);
    checkPlan(sizes, plan);
    assert.equal(plan.filter((p) => p.kind === 'copy').length, copies);
  });
}

test('compose plan: more parts than the store allows is refused', () => {
  assert.throws(() => planParts(Array.from({ length: 20 }, () => 6 * MiB), { ...LIMITS, maxParts: 10 }));
});
