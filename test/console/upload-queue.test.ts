/** The console's upload queue (src/console/upload-queue.ts): 50 waiting at most, two at a time, cancellable. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_IN_FLIGHT, MAX_QUEUED, UploadQueue, type Send, type UploadItem } from '../../src/console/upload-queue.js';

/** A send that finishes only when the test says so. */
function controlledSend() {
  const running = new Map<string, { resolve: () => void; progress: (n: number) => void }>();
  const send: Send = (item, onProgress, signal) => new Promise<void>((resolve, reject) => {
    running.set(item.name, { resolve, progress: onProgress });
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });
  return { send, running };
}

const blob = (size: number) => new Blob([new Uint8Array(size)]);
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('upload queue: at most 50 files wait at once; the rest are refused and counted', () => {
  const { send } = controlledSend();
  const q = new UploadQueue(send, () => undefined, () => undefined);
  const refused = q.add(Array.from({ length: 60 }, (_, i) => ({ file: blob(1), folder: '/', name: `f${i}` })));
  assert.equal(MAX_QUEUED, 50);
  assert.equal(refused, 10);
  assert.equal(q.active.length, 50);
  assert.equal(q.add([{ file: blob(1), folder: '/', name: 'late' }]), 1);
});

test('upload queue: two files are sent at a time; the next starts when one ends', async () => {
  const { send, running } = controlledSend();
  const done: UploadItem[] = [];
  const q = new UploadQueue(send, () => undefined, (item) => done.push(item));
  q.add(['a', 'b', 'c'].map((name) => ({ file: blob(10), folder: '/', name })));
  assert.equal(MAX_IN_FLIGHT, 2);
  assert.deepEqual([...running.keys()], ['a', 'b']);
  running.get('a')!.resolve();
  await settled();
  assert.deepEqual([...running.keys()], ['a', 'b', 'c']);
  assert.deepEqual(done.map((i) => i.name), ['a']);
  assert.equal(q.items.filter((i) => i.state === 'sending').length, 2);
});

test('upload queue: cancelling one aborts it and starts the next; cancel all stops the rest', async () => {
  const { send, running } = controlledSend();
  const q = new UploadQueue(send, () => undefined, () => undefined);
  q.add(['a', 'b', 'c', 'd'].map((name) => ({ file: blob(10), folder: '/', name })));
  q.cancel(q.items[0]!.id);
  await settled();
  assert.equal(q.items[0]!.state, 'cancelled');
  assert.ok(running.has('c'), 'the next file started');
  q.cancelAll();
  await settled();
  assert.deepEqual(q.items.map((i) => i.state), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
  assert.equal(q.active.length, 0);
});

test('upload queue: totals count bytes sent and give a rate and the time left', async () => {
  let nowMs = 0;
  const { send, running } = controlledSend();
  const q = new UploadQueue(send, () => undefined, () => undefined, () => nowMs);
  q.add([{ file: blob(1000), folder: '/', name: 'a' }, { file: blob(1000), folder: '/', name: 'b' }]);
  assert.ok(Number.isNaN(q.totals().secondsLeft), 'no rate before any time passed');
  nowMs = 1000;
  running.get('a')!.progress(500);
  running.get('b')!.progress(500);
  const t = q.totals();
  assert.equal(t.sentBytes, 1000);
  assert.equal(t.sizeBytes, 2000);
  assert.equal(t.bytesPerSecond, 1000);
  assert.equal(t.secondsLeft, 1);
});

test('upload queue: a failure is kept with its message and does not stop the others', async () => {
  const failing: Send = async (item) => { if (item.name === 'bad') throw new Error('The parent folder does not exist.'); };
  const q = new UploadQueue(failing, () => undefined, () => undefined);
  q.add([{ file: blob(1), folder: '/', name: 'bad' }, { file: blob(1), folder: '/', name: 'good' }]);
  await settled();
  assert.deepEqual(q.items.map((i) => [i.name, i.state, i.error]), [['bad', 'failed', 'The parent folder does not exist.'], ['good', 'done', '']]);
});
