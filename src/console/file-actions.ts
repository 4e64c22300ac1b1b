/** What can be done to one entry: preview, link, download, details, rename or move, delete. */
import { ApiError, type ConsoleApi, type Links } from './api.js';
import { confirmDialog, formDialog, openDialog } from './dialogs.js';
import { h, icon } from './dom.js';
import { formatBytes, formatDate, formatDateTime } from './format.js';
import type { Entry } from './listing.js';
import { notify, errorText } from './notify.js';
import { joinPath, parentOf, resolveTyped } from './paths.js';

export const DEFAULT_LINK_SECONDS = 24 * 3600;
const TEXT_PREVIEW_BYTES = 64 * 1024;

export type PreviewKind = 'image' | 'audio' | 'video' | 'text' | null;

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-sh|yaml|x-yaml|toml|csv))/;
const BY_EXTENSION: Record<string, PreviewKind> = {
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', webp: 'image', svg: 'image', avif: 'image', bmp: 'image', ico: 'image',
  mp3: 'audio', ogg: 'audio', oga: 'audio', wav: 'audio', flac: 'audio', m4a: 'audio', aac: 'audio', opus: 'audio',
  mp4: 'video', webm: 'video', ogv: 'video', mov: 'video', m4v: 'video',
  txt: 'text', md: 'text', json: 'text', csv: 'text', log: 'text', xml: 'text', yaml: 'text', yml: 'text', html: 'text', css: 'text', js: 'text', ts: 'text',
};

/** What the browser can show of a file, from its type or, failing that, its extension. */
export function previewKind(e: Entry): PreviewKind {
  if (e.kind !== 'file') return null;
  if (e.mime.startsWith('image/')) return 'image';
  if (e.mime.startsWith('audio/')) return 'audio';
  if (e.mime.startsWith('video/')) return 'video';
  if (TEXT_TYPES.test(e.mime)) return 'text';
  return BY_EXTENSION[e.name.slice(e.name.lastIndexOf('.') + 1).toLowerCase()] ?? null;
}

/**
 * MediaVault URLs name the server's public address, which may differ from
 * the one this page was opened at; previews load from this page's origin
 * (the page's security policy allows only it).
 */
function sameOrigin(api: ConsoleApi, url: string): string {
  const u = new URL(url);
  return `${api.baseUrl}${u.pathname}${u.search}`;
}

export async function preview(api: ConsoleApi, folder: string, e: Entry): Promise<void> {
  const path = joinPath(folder, e.name);
  const links = await api.links(path, DEFAULT_LINK_SECONDS);
  const src = sameOrigin(api, links.previewUrl);
  const kind = previewKind(e);
  let media: HTMLElement;
  if (kind === 'image') media = h('img', { src, alt: e.name, class: 'preview-media' });
  else if (kind === 'audio') media = h('audio', { src, controls: true, class: 'preview-media' });
  else if (kind === 'video') media = h('video', { src, controls: true, class: 'preview-media' });
  else if (kind === 'text') media = await textPreview(src, e.sizeBytes);
  else media = h('p', {}, 'This browser cannot show this kind of file.');
  openDialog(e.name, h('div', { class: 'dialog-body preview' }, h('div', { class: 'preview-frame' }, media), linkRows(links, DEFAULT_LINK_SECONDS)), { wide: true });
}

async function textPreview(src: string, sizeBytes: number): Promise<HTMLElement> {
  const response = await fetch(src, { headers: { Range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } });
  const text = new TextDecoder().decode(await response.arrayBuffer());
  const pre = h('pre', { class: 'preview-text', tabindex: 0 }, text);
  return sizeBytes > TEXT_PREVIEW_BYTES ? h('div', {}, pre, h('p', { class: 'hint' }, `The first ${formatBytes(TEXT_PREVIEW_BYTES)} of ${formatBytes(sizeBytes)}.`)) : pre;
}

function copyRow(label: string, url: string): HTMLElement {
  const id = `link-${Math.random().toString(36).slice(2)}`;
  const input = h('input', { id, readonly: true, value: url, class: 'link-input' });
  input.addEventListener('focus', () => input.select());
  const button = h('button', { type: 'button', class: 'button', 'aria-label': `Copy ${label.toLowerCase()}` }, icon('copy'), 'Copy');
  button.addEventListener('click', () => {
    copyText(input).then(() => {
      button.replaceChildren(icon('check'), 'Copied');
      notify(`${label} copied to the clipboard.`);
    }, () => notify('Copying failed: select the link and copy it yourself.', 'error'));
  });
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'copy-row' }, input, button));
}

async function copyText(input: HTMLInputElement): Promise<void> {
  if (navigator.clipboard) return navigator.clipboard.writeText(input.value);
  input.select();
  if (!document.execCommand('copy')) throw new Error('copy refused');
}

function linkRows(links: Links, seconds: number): HTMLElement {
  const expires = formatDateTime(Date.now() + seconds * 1000);
  return h('div', { class: 'links' }, copyRow('Download link', links.downloadUrl), copyRow('View link', links.previewUrl), h('p', { class: 'hint' }, `These links work until ${expires}.`));
}

const LINK_CHOICES = [
  { value: String(3600), label: '1 hour' }, { value: String(DEFAULT_LINK_SECONDS), label: '24 hours' },
  { value: String(7 * 86400), label: '7 days' }, { value: String(30 * 86400), label: '30 days' },
];

/** A MediaVault link, 24 hours by default (console.md, "Getting Direct Links to Files"). */
export async function directLink(api: ConsoleApi, folder: string, e: Entry): Promise<void> {
  const path = joinPath(folder, e.name);
  const holder = h('div', {});
  const selectId = 'link-expiry';
  const select = h('select', { id: selectId }, ...LINK_CHOICES.map((c) => h('option', { value: c.value, selected: c.value === String(DEFAULT_LINK_SECONDS) }, c.label)));
  const render = async () => {
    const seconds = Number(select.value);
    try {
      holder.replaceChildren(linkRows(await api.links(path, seconds), seconds));
    } catch (err) {
      holder.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  };
  select.addEventListener('change', () => void render());
  await render();
  openDialog(`Link to ${e.name}`, h('div', { class: 'dialog-body' }, h('div', { class: 'field' }, h('label', { for: selectId }, 'Valid for'), select), holder));
}

export async function download(api: ConsoleApi, folder: string, e: Entry): Promise<void> {
  const links = await api.links(joinPath(folder, e.name), 3600);
  const a = h('a', { href: links.downloadUrl, download: e.name, class: 'sr-only' });
  document.body.append(a);
  a.click();
  a.remove();
}

export async function details(api: ConsoleApi, folder: string, e: Entry): Promise<void> {
  const path = joinPath(folder, e.name);
  const s = await api.stat(path);
  const rows: [string, string][] = [['Path', path], ['Kind', s.kind === 'dir' ? 'Folder' : 'File']];
  if (s.kind === 'file') rows.push(['Size', `${formatBytes(s.sizeBytes)} (${s.sizeBytes.toLocaleString()} bytes)`], ['Type', s.mime || '—']);
  rows.push(['Created', formatDate(s.ctime)], ['Modified', formatDate(s.mtime)]);
  if (s.kind === 'file') rows.push(['SHA-256', s.sha256]);
  const list = h('dl', { class: 'details' }, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: k === 'SHA-256' || k === 'Path' ? 'mono' : '' }, v)]));
  openDialog(e.name, h('div', { class: 'dialog-body' }, list));
}

/** One box for both: a new name renames, a new folder in the path moves. */
export function renameOrMove(api: ConsoleApi, folder: string, e: Entry, done: (newPath: string) => void): void {
  const oldPath = joinPath(folder, e.name);
  formDialog(`Rename or move ${e.kind === 'dir' ? 'folder' : 'file'}`, [{
    name: 'path', label: 'New path', value: oldPath, hint: 'Change the name to rename; change the folders to move. The folder must exist.',
  }], 'Save', async (v) => {
    const target = resolveTyped(folder, v['path'] ?? '');
    if ('error' in target) return target.error;
    if (target.path === oldPath) return undefined;
    try {
      await api.rename(oldPath, target.path);
    } catch (err) {
      if (err instanceof ApiError && err.code === -3) return `The folder ${parentOf(target.path)} does not exist.`;
      return errorText(err);
    }
    done(target.path);
    return undefined;
  });
}

/** console.md, "Creating Folders": "a/b" makes b inside an existing a; a missing a is an error. */
export function createFolder(api: ConsoleApi, folder: string, done: (path: string) => void): void {
  formDialog('New folder', [{ name: 'name', label: 'Folder name', hint: 'Use "parent/name" to create inside an existing folder.' }], 'Create', async (v) => {
    const target = resolveTyped(folder, v['name'] ?? '');
    if ('error' in target) return target.error;
    try {
      await api.makeDir(target.path);
    } catch (err) {
      if (err instanceof ApiError && err.code === -3) return `The parent folder ${parentOf(target.path)} does not exist.`;
      if (err instanceof ApiError && err.code === -2) return `${target.path} already exists.`;
      return errorText(err);
    }
    notify(`Created ${target.path}.`);
    done(target.path);
    return undefined;
  });
}

/** Deletes files (and empty folders); returns the names that went. */
export async function deleteEntries(api: ConsoleApi, folder: string, entries: readonly Entry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const what = entries.length === 1 ? `"${entries[0]!.name}"` : `${entries.length} items`;
  const message = h('div', {}, h('p', {}, `Delete ${what}? This cannot be undone.`));
  if (entries.length > 1) message.append(h('ul', { class: 'delete-list' }, ...entries.slice(0, 8).map((e) => h('li', {}, e.name)), entries.length > 8 ? h('li', {}, `and ${entries.length - 8} more`) : null));
  if (!(await confirmDialog(`Delete ${entries.length === 1 ? (entries[0]!.kind === 'dir' ? 'folder' : 'file') : 'items'}`, message, 'Delete', true))) return [];
  const gone: string[] = [];
  const failures: string[] = [];
  for (const e of entries) {
    try {
      const path = joinPath(folder, e.name);
      if (e.kind === 'dir') await api.deleteDir(path);
      else await api.deleteFile(path);
      gone.push(e.name);
    } catch (err) {
      failures.push(`${e.name}: ${errorText(err)}`);
    }
  }
  if (gone.length > 0) notify(gone.length === 1 ? `Deleted ${gone[0]}.` : `Deleted ${gone.length} items.`);
  if (failures.length > 0) notify(`Not deleted — ${failures.join(' ')}`, 'error');
  return gone;
}
