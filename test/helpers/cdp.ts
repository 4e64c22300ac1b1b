/**
 * A headless Chromium driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe): open a page, wait for its load event, and
 * evaluate an expression, awaiting its promise. Enough to run the SDK in a
 * real browser without a driver library.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export function findChromium(): string | undefined {
  const candidates = [process.env['CHROMIUM'], '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p): p is string => p !== undefined && p !== '' && existsSync(p));
}

export interface Browser {
  /** Loads `url` in a new page and answers the value `expression` resolves to there. */
  evaluateAfterLoad(url: string, expression: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function launch(executable: string): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'originstore-chromium-'));
  const child: ChildProcess = spawn(executable, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const listeners: Array<(message: any) => void> = [];
  let buffered = '';
  fromBrowser.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let end: number;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined && pending.has(message.id)) {
        const waiter = pending.get(message.id)!;
        pending.delete(message.id);
        if (message.error) waiter.reject(new Error(`${message.error.message}`));
        else waiter.resolve(message.result);
      } else {
        for (const l of [...listeners]) l(message);
      }
    }
  });
  const send = (method: string, params: object = {}, sessionId?: string): Promise<any> => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
  });
  const once = (predicate: (m: any) => boolean): Promise<any> => new Promise((resolve) => {
    const l = (m: any) => {
      if (!predicate(m)) return;
      listeners.splice(listeners.indexOf(l), 1);
      resolve(m);
    };
    listeners.push(l);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async evaluateAfterLoad(url, expression) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      await send('Page.enable', {}, sessionId);
      const loaded = once((m) => m.method === 'Page.loadEventFired' && m.sessionId === sessionId);
      await send('Page.navigate', { url }, sessionId);
      await loaded;
      const answer = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }, sessionId);
      if (answer.exceptionDetails) throw new Error(`in the page: ${answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text}`);
      return answer.result.value;
    },
    async close() {
      await send('Browser.close').catch(() => undefined);
      await exited;
      await rm(profile, { recursive: true, force: true });
    },
  };
}
