/**
 * The file browser: toolbar, breadcrumbs with a go-back link, the list of
 * the current folder (filtered, sorted, paged), uploads and the actions on
 * entries. The folder is in the URL's hash, so the browser's back button
 * and reloads work.
 */
import { ApiError, type ConsoleApi } from './api.js';
import { openDialog } from './dialogs.js';
import { h, icon, iconButton } from './dom.js';
import { FileTable } from './file-table.js';
import { createFolder, deleteEntries, details, directLink, download, preview, previewKind, renameOrMove } from './file-actions.js';
import { FolderLoader, WINDOW_ENTRIES } from './folder-loader.js';
import { viewOf, type Entry, type Show, type SortKey } from './listing.js';
import { errorText, notify } from './notify.js';
import { renderPager } from './pager.js';
import { crumbs, hashOf, joinPath, parentOf } from './paths.js';
import { enableDrop, pickedFromDrop, pickedFromInput, queueFiles, UploadPanel } from './upload-panel.js';
import { MAX_QUEUED, UploadQueue, type UploadItem } from './upload-queue.js';
import { sender, type SendOptions } from './upload-send.js';

export class FilesView {
  readonly element: HTMLElement;
  folder = '/';
  #loader: FolderLoader;
  #filter = '';
  #show: Show = 'all';
  #sortBy: SortKey = 'name';
  #descending = false;
  #pageSize = 50;
  #page = 0;
  /** Per folder, the names uploaded in this session (flagged "new", listed first). */
  readonly #fresh = new Map<string, Set<string>>();
  readonly #selected = new Set<string>();
  readonly #queue: UploadQueue;
  readonly #panel: UploadPanel;
  readonly #table: FileTable;
  readonly #crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumbs' });
  readonly #notice = h('div', { class: 'notice', hidden: true });
  readonly #pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  readonly #deleteButton: HTMLButtonElement;
  readonly #sortButton: HTMLButtonElement;

  constructor(private readonly api: ConsoleApi, sendOptions?: SendOptions) {
    this.#loader = new FolderLoader('/', api.list);
    this.#queue = new UploadQueue(sender(api, sendOptions), () => this.#panel.changed(), (item) => this.#uploaded(item));
    this.#panel = new UploadPanel(this.#queue);
    this.#table = new FileTable({
      open: (e) => this.#open(e),
      toggle: (name, on) => { if (on) this.#selected.add(name); else this.#selected.delete(name); this.#syncSelection(); },
      toggleAll: (names, on) => { for (const n of names) if (on) this.#selected.add(n); else this.#selected.delete(n); this.#render(); },
      action: (name, e) => void this.#act(name, e),
    });
    this.#deleteButton = h('button', { type: 'button', class: 'button danger-outline', disabled: true, onclick: () => void this.#deleteSelected() }, icon('trash'), h('span', { class: 'label' }, 'Delete'));
    this.#sortButton = iconButton('sort-asc', 'Ascending order; click for descending', () => {
      this.#descending = !this.#descending;
      this.#page = 0;
      this.#updateSortButton();
      this.#render();
    }, { class: 'icon-button bordered', 'aria-pressed': 'false' });

    const fileInput = h('input', { type: 'file', multiple: true, class: 'sr-only', tabindex: -1, 'aria-hidden': 'true', 'data-testid': 'file-input' });
    const folderInput = h('input', { type: 'file', multiple: true, webkitdirectory: true, class: 'sr-only', tabindex: -1, 'aria-hidden': 'true', 'data-testid': 'folder-input' });
    for (const input of [fileInput, folderInput]) {
      input.addEventListener('change', () => {
        if (input.files) queueFiles(this.#queue, this.folder, pickedFromInput(input.files));
        input.value = '';
      });
    }

    const filter = h('input', { id: 'filter', type: 'search', placeholder: 'Filter this folder', autocomplete: 'off', spellcheck: 'false' });
    filter.addEventListener('input', () => {
      this.#filter = filter.value;
      this.#page = 0;
      this.#render();
    });
    const showGroup = h('div', { class: 'segmented', role: 'radiogroup', 'aria-label': 'Show' },
      ...([['all', 'Files and folders', 'all'], ['dirs', 'Folders only', 'folder'], ['files', 'Files only', 'file']] as const).map(([value, label, ic]) => {
        const b = h('button', { type: 'button', role: 'radio', 'aria-checked': String(value === 'all'), 'aria-label': label, title: label, 'data-show': value }, icon(ic));
        b.addEventListener('click', () => {
          this.#show = value;
          this.#page = 0;
          for (const other of showGroup.querySelectorAll('button')) other.setAttribute('aria-checked', String(other === b));
          this.#render();
        });
        return b;
      }));
    const sortSelect = h('select', { id: 'sort', 'aria-label': 'Sort by' },
      h('option', { value: 'name' }, 'Name'), h('option', { value: 'date' }, 'Date uploaded'), h('option', { value: 'size' }, 'File size'));
    sortSelect.addEventListener('change', () => {
      this.#sortBy = sortSelect.value as SortKey;
      this.#page = 0;
      this.#render();
    });

    const toolbar = h('div', { class: 'toolbar' },
      h('div', { class: 'toolbar-group' },
        h('button', { type: 'button', class: 'button primary', onclick: () => fileInput.click() }, icon('upload'), h('span', { class: 'label' }, 'Upload')),
        h('button', { type: 'button', class: 'button', onclick: () => folderInput.click() }, icon('folder'), h('span', { class: 'label' }, 'Upload folder')),
        h('button', { type: 'button', class: 'button', onclick: () => this.#createFolder() }, icon('folder-plus'), h('span', { class: 'label' }, 'New folder')),
        this.#deleteButton, fileInput, folderInput),
      h('div', { class: 'toolbar-group view-controls' },
        h('div', { class: 'filter' }, h('label', { for: 'filter', class: 'sr-only' }, 'Filter'), icon('search'), filter),
        showGroup,
        h('div', { class: 'sort' }, sortSelect, this.#sortButton)));

    const list = h('section', { class: 'list-area', 'aria-label': 'Files and folders' }, this.#notice, this.#table.element, this.#pager);
    this.element = h('div', { class: 'files-view' }, toolbar, this.#crumbs, list, this.#panel.element);
    enableDrop(list, (data) => {
      void pickedFromDrop(data, MAX_QUEUED).then((picked) => queueFiles(this.#queue, this.folder, picked), (err: unknown) => notify(errorText(err), 'error'));
    });
  }

  /** Show `folder` (relative to the token's root). */
  navigate(folder: string): void {
    this.#loader.stop();
    this.folder = folder;
    this.#page = 0;
    this.#selected.clear();
    this.#loader = new FolderLoader(folder, this.api.list);
    this.#renderCrumbs();
    this.#table.loading();
    this.#render();
    void this.#load(WINDOW_ENTRIES);
  }

  /** Let uploads finish in the background but stop them when the user logs out. */
  stop(): void {
    this.#loader.stop();
    this.#queue.cancelAll();
  }

  async #load(limit: number): Promise<void> {
    const loader = this.#loader;
    try {
      await loader.loadMore(limit, () => { if (loader === this.#loader) this.#render(); });
    } catch (err) {
      if (loader !== this.#loader) return;
      if (err instanceof ApiError && err.code === -1) {
        notify(`The folder ${loader.path} does not exist.`, 'error');
        location.hash = '#/';
        return;
      }
      notify(errorText(err), 'error');
    }
    if (loader === this.#loader) this.#render();
  }

  #renderCrumbs(): void {
    const parts = crumbs(this.folder);
    const list = h('ol', {}, ...parts.map((c, i) => h('li', {},
      i === parts.length - 1 ? h('span', { 'aria-current': 'page' }, c.name) : h('a', { href: hashOf(c.path) }, c.name))));
    const back = this.folder === '/' ? null : h('a', { class: 'go-back', href: hashOf(parentOf(this.folder)) }, icon('back'), 'Go back');
    const refresh = iconButton('refresh', 'Refresh', () => this.navigate(this.folder), { class: 'icon-button small' });
    this.#crumbs.replaceChildren(list, h('div', { class: 'crumb-tools' }, back, refresh));
  }

  #render(): void {
    const fresh = this.#fresh.get(this.folder) ?? new Set<string>();
    const view = viewOf(this.#loader.entries, {
      filter: this.#filter, show: this.#show, sortBy: this.#sortBy, descending: this.#descending, pageSize: this.#pageSize, page: this.#page, fresh,
    });
    this.#page = view.page;
    const loading = !this.#loader.complete && this.#loader.entries.length < WINDOW_ENTRIES;
    this.#table.render(view.rows, fresh, this.#selected, { loading, filtered: this.#filter.trim() !== '' || this.#show !== 'all' });
    this.#renderNotice();
    renderPager(this.#pager, { page: view.page, pages: view.pages, pageSize: this.#pageSize, matching: view.matching, complete: this.#loader.complete }, {
      page: (p) => {
        this.#page = p;
        this.#render();
        this.#table.element.querySelector<HTMLElement>('tbody tr button')?.focus();
      },
      pageSize: (n) => {
        this.#pageSize = n;
        this.#page = 0;
        this.#render();
      },
    });
    this.#syncSelection();
  }

  #renderNotice(): void {
    const loaded = this.#loader.entries.length;
    const more = !this.#loader.complete && loaded >= WINDOW_ENTRIES;
    this.#notice.hidden = !more;
    if (!more) return;
    this.#notice.replaceChildren(
      h('p', {}, `This folder holds more than ${loaded.toLocaleString()} entries. The first ${loaded.toLocaleString()} are loaded; filtering and sorting apply to them.`),
      h('button', { type: 'button', class: 'button small', onclick: () => void this.#load(WINDOW_ENTRIES) }, `Load ${WINDOW_ENTRIES.toLocaleString()} more`));
  }

  #syncSelection(): void {
    const visible = new Set(this.#loader.entries.map((e) => e.name));
    for (const n of this.#selected) if (!visible.has(n)) this.#selected.delete(n);
    const n = this.#selected.size;
    this.#deleteButton.disabled = n === 0;
    this.#deleteButton.querySelector('.label')!.textContent = n === 0 ? 'Delete' : `Delete (${n})`;
    this.#table.syncHeader(this.#selected);
  }

  #updateSortButton(): void {
    this.#sortButton.replaceChildren(icon(this.#descending ? 'sort-desc' : 'sort-asc'));
    const label = this.#descending ? 'Descending order; click for ascending' : 'Ascending order; click for descending';
    this.#sortButton.setAttribute('aria-label', label);
    this.#sortButton.title = label;
    this.#sortButton.setAttribute('aria-pressed', String(this.#descending));
  }

  #open(e: Entry): void {
    if (e.kind === 'dir') {
      location.hash = hashOf(joinPath(this.folder, e.name));
      return;
    }
    void this.#act(previewKind(e) ? 'preview' : 'details', e);
  }

  async #act(name: string, e: Entry): Promise<void> {
    try {
      if (name === 'preview') await preview(this.api, this.folder, e);
      else if (name === 'link') await directLink(this.api, this.folder, e);
      else if (name === 'download') await download(this.api, this.folder, e);
      else if (name === 'details') await details(this.api, this.folder, e);
      else if (name === 'rename') renameOrMove(this.api, this.folder, e, (newPath) => this.#moved(e, newPath));
      else if (name === 'delete') this.#removed(await deleteEntries(this.api, this.folder, [e]));
      else if (name === 'more') this.#actionSheet(e);
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  /** On a narrow screen the row's actions are one button that opens this list. */
  #actionSheet(e: Entry): void {
    const choices: [string, string, string][] = e.kind === 'dir'
      ? [['open', 'folder', 'Open'], ['details', 'info', 'Details'], ['rename', 'edit', 'Rename or move'], ['delete', 'trash', 'Delete']]
      : [
        ...(previewKind(e) ? [['preview', 'eye', 'Preview'] as [string, string, string]] : []),
        ['link', 'link', 'Get link'], ['download', 'download', 'Download'], ['details', 'info', 'Details'], ['rename', 'edit', 'Rename or move'], ['delete', 'trash', 'Delete'],
      ];
    const sheet = openDialog(e.name, h('div', { class: 'dialog-body sheet' }, ...choices.map(([action, ic, label]) => h('button', {
      type: 'button', class: action === 'delete' ? 'button danger-outline wide' : 'button wide',
      onclick: () => { sheet.close(); if (action === 'open') this.#open(e); else void this.#act(action, e); },
    }, icon(ic), label))));
  }

  async #deleteSelected(): Promise<void> {
    const chosen = this.#loader.entries.filter((e) => this.#selected.has(e.name));
    this.#removed(await deleteEntries(this.api, this.folder, chosen));
  }

  #removed(names: string[]): void {
    for (const n of names) {
      this.#loader.remove(n);
      this.#selected.delete(n);
      this.#fresh.get(this.folder)?.delete(n);
    }
    this.#render();
  }

  #moved(e: Entry, newPath: string): void {
    this.#loader.remove(e.name);
    if (parentOf(newPath) === this.folder) this.#loader.upsert({ ...e, name: newPath.slice(newPath.lastIndexOf('/') + 1) });
    notify(parentOf(newPath) === this.folder ? `Renamed to ${newPath.slice(newPath.lastIndexOf('/') + 1)}.` : `Moved to ${newPath}.`);
    this.#render();
  }

  #createFolder(): void {
    createFolder(this.api, this.folder, (path) => this.#showFolderOf(path));
  }

  /** A folder made here, or a file uploaded into one: the entry of the current folder it is in appears at once. */
  #showFolderOf(path: string): void {
    const prefix = this.folder === '/' ? '/' : `${this.folder}/`;
    if (!path.startsWith(prefix)) return;
    const top = path.slice(prefix.length).split('/')[0]!;
    if (top === '' || this.#loader.entries.some((x) => x.name === top)) return;
    const now = Math.floor(Date.now() / 1000);
    this.#loader.upsert({ name: top, kind: 'dir', sizeBytes: 0, mtime: now, ctime: now, mime: '', sha256: '' });
    this.#render();
  }

  #uploaded(item: UploadItem): void {
    let set = this.#fresh.get(item.folder);
    if (!set) this.#fresh.set(item.folder, (set = new Set()));
    set.add(item.name);
    if (item.folder !== this.folder) return this.#showFolderOf(item.folder);
    const now = Math.floor(Date.now() / 1000);
    this.#loader.upsert({ name: item.name, kind: 'file', sizeBytes: item.sizeBytes, mtime: now, ctime: now, mime: item.file.type, sha256: '' });
    this.#render();
    // The listing's details (type, checksum) come from the server.
    void this.api.stat(joinPath(item.folder, item.name)).then((e) => { this.#loader.upsert(e); this.#render(); }, () => undefined);
  }
}
