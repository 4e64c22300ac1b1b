/**
 * Upload by file picker (files or a whole folder) and by drag and drop
 * (folders included), and the progress panel: one overall bar with rate
 * and time left, and per-file rows that can be cancelled.
 */
import { h, icon, iconButton } from './dom.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { notify } from './notify.js';
import { joinPath } from './paths.js';
import { MAX_QUEUED, type NewUpload, type UploadItem, type UploadQueue } from './upload-queue.js';

const ROWS_FOLDED = 5;

/** A file and the folders between the drop target and it ("" for a plain file). */
interface Picked {
  readonly file: File;
  readonly relativeDir: string;
}

export function queueFiles(queue: UploadQueue, folder: string, picked: readonly Picked[]): void {
  if (picked.length === 0) return;
  const uploads: NewUpload[] = picked.map((p) => ({ file: p.file, name: p.file.name, folder: p.relativeDir === '' ? folder : joinPath(folder, p.relativeDir) }));
  const refused = queue.add(uploads);
  if (refused > 0) notify(`At most ${MAX_QUEUED} files can wait at once: ${refused} ${refused === 1 ? 'was' : 'were'} not added. Add them when these finish.`, 'error');
}

/** Files from <input type=file>: a folder pick carries webkitRelativePath "top/sub/name". */
export function pickedFromInput(files: FileList): Picked[] {
  return [...files].map((file) => {
    const rel = file.webkitRelativePath ?? '';
    return { file, relativeDir: rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '' };
  });
}

/** Files from a drop, walking dropped folders; a synthetic drop without entries gives its files. */
export async function pickedFromDrop(data: DataTransfer, limit: number): Promise<Picked[]> {
  const entries = [...data.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry?.() ?? null : null));
  if (entries.length === 0 || entries.some((e) => e === null)) return [...data.files].map((file) => ({ file, relativeDir: '' }));
  const out: Picked[] = [];
  for (const entry of entries) await walk(entry!, '', out, limit + 1);
  return out;
}

async function walk(entry: FileSystemEntry, dir: string, out: Picked[], limit: number): Promise<void> {
  if (out.length >= limit) return;
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, relativeDir: dir });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const sub = dir === '' ? entry.name : `${dir}/${entry.name}`;
  // readEntries answers in batches until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, sub, out, limit);
  }
}

/** The drop overlay over `target`; `onDrop` gets the dropped data. */
export function enableDrop(target: HTMLElement, onDrop: (data: DataTransfer) => void): void {
  const overlay = h('div', { class: 'drop-overlay', 'aria-hidden': 'true' }, h('div', { class: 'drop-card' }, icon('upload'), h('p', {}, 'Drop files or folders here')));
  target.append(overlay);
  let depth = 0;
  const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
  target.addEventListener('dragenter', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    depth++;
    overlay.classList.add('visible');
  });
  target.addEventListener('dragover', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) overlay.classList.remove('visible');
  });
  target.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    overlay.classList.remove('visible');
    if (e.dataTransfer) onDrop(e.dataTransfer);
  });
}

export class UploadPanel {
  readonly element: HTMLElement;
  #open = false;
  #showAll = false;
  #scheduled = false;

  constructor(private readonly queue: UploadQueue) {
    this.element = h('section', { class: 'upload-panel', 'aria-label': 'Uploads', hidden: true });
  }

  /** Called on every queue change; draws at most once a frame. */
  changed(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#render();
    });
  }

  #render(): void {
    const items = this.queue.items;
    this.element.hidden = items.length === 0;
    if (items.length === 0) return;
    const t = this.queue.totals();
    const running = this.queue.active.length > 0;
    const percent = t.sizeBytes === 0 ? (running ? 0 : 100) : Math.floor((t.sentBytes / t.sizeBytes) * 100);
    const summary = running
      ? `Uploading: ${t.finished} of ${t.files} file${t.files === 1 ? '' : 's'} done`
      : `Uploaded ${t.finished} of ${t.files} file${t.files === 1 ? '' : 's'}${t.failed ? ` · ${t.failed} failed` : ''}`;
    const detail = running
      ? `${formatBytes(t.sentBytes)} of ${formatBytes(t.sizeBytes)} · ${formatRate(t.bytesPerSecond)} · ${Number.isNaN(t.secondsLeft) ? 'estimating time left…' : `${formatDuration(t.secondsLeft)} left`}`
      : `${formatBytes(t.sentBytes)} of ${formatBytes(t.sizeBytes)}`;
    const toggle = h('button', { type: 'button', class: 'link-button', 'aria-expanded': String(this.#open), onclick: () => { this.#open = !this.#open; this.#render(); } }, this.#open ? 'Hide details' : 'Show details');
    const head = h('div', { class: 'upload-head' },
      h('div', { class: 'upload-summary' },
        h('p', { class: 'upload-title', 'aria-live': 'polite' }, summary),
        h('progress', { class: 'bar', max: 100, value: percent, 'aria-label': 'Overall upload progress' }),
        h('p', { class: 'hint' }, detail)),
      h('div', { class: 'upload-buttons' },
        toggle,
        running
          ? h('button', { type: 'button', class: 'button small danger-outline', onclick: () => this.queue.cancelAll() }, 'Cancel all')
          : h('button', { type: 'button', class: 'button small', onclick: () => this.queue.clearFinished() }, 'Close')));
    const body: (Node | null)[] = [head];
    if (this.#open) {
      const shown = this.#showAll ? items : items.slice(0, ROWS_FOLDED);
      const list = h('ul', { class: 'upload-list' }, ...shown.map((item) => this.#row(item)));
      body.push(list);
      if (items.length > ROWS_FOLDED && !this.#showAll) {
        body.push(h('button', { type: 'button', class: 'link-button', onclick: () => { this.#showAll = true; this.#render(); } }, `Show all ${items.length} uploads`));
      }
    }
    this.element.replaceChildren(...body.filter((n): n is Node => n !== null));
  }

  #row(item: UploadItem): HTMLElement {
    const percent = item.sizeBytes === 0 ? (item.state === 'done' ? 100 : 0) : Math.floor((Math.min(item.sentBytes, item.sizeBytes) / item.sizeBytes) * 100);
    const status = item.state === 'queued' ? 'Waiting' : item.state === 'sending' ? `${percent}%` : item.state === 'done' ? 'Done' : item.state === 'cancelled' ? 'Cancelled' : `Failed: ${item.error}`;
    return h('li', { class: `upload-row ${item.state}` },
      h('div', { class: 'upload-row-top' },
        h('span', { class: 'upload-name', title: joinPath(item.folder, item.name) }, item.name),
        h('span', { class: 'upload-status' }, status),
        item.state === 'queued' || item.state === 'sending' ? iconButton('x', `Cancel ${item.name}`, () => this.queue.cancel(item.id), { class: 'icon-button small' }) : null),
      h('progress', { class: 'bar thin', max: 100, value: percent, 'aria-label': `${item.name} progress` }));
  }
}
