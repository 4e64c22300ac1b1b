/** The table of one page of entries: select, open, and the per-entry actions. */
import { h, icon, iconButton } from './dom.js';
import { previewKind } from './file-actions.js';
import { formatBytes, formatDate } from './format.js';
import { dateOf, type Entry } from './listing.js';

export interface TableEvents {
  open(e: Entry): void;
  toggle(name: string, on: boolean): void;
  toggleAll(names: readonly string[], on: boolean): void;
  action(name: string, e: Entry): void;
}

function iconOf(e: Entry): string {
  if (e.kind === 'dir') return 'folder';
  const kind = previewKind(e);
  return kind === 'image' ? 'image' : kind === 'audio' || kind === 'video' ? 'media' : kind === 'text' ? 'text' : 'file';
}

export class FileTable {
  readonly element: HTMLElement;
  readonly #body = h('tbody', {});
  readonly #all: HTMLInputElement;
  #files: string[] = [];

  constructor(private readonly events: TableEvents) {
    this.#all = h('input', { type: 'checkbox', 'aria-label': 'Select all files on this page' });
    this.#all.addEventListener('change', () => events.toggleAll(this.#files, this.#all.checked));
    const table = h('table', { class: 'files' },
      h('caption', { class: 'sr-only' }, 'Files and folders'),
      h('thead', {}, h('tr', {},
        h('th', { class: 'select', scope: 'col' }, this.#all),
        h('th', { class: 'name', scope: 'col' }, 'Name'),
        h('th', { class: 'size', scope: 'col' }, 'Size'),
        h('th', { class: 'date', scope: 'col' }, 'Uploaded'),
        h('th', { class: 'actions', scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      this.#body);
    this.element = h('div', { class: 'table-wrap' }, table);
  }

  loading(): void {
    this.#body.replaceChildren(h('tr', { class: 'placeholder' }, h('td', { colspan: 5 }, 'Loading…')));
  }

  render(rows: readonly Entry[], fresh: ReadonlySet<string>, selected: ReadonlySet<string>, state: { loading: boolean; filtered: boolean }): void {
    this.#files = rows.filter((e) => e.kind === 'file').map((e) => e.name);
    if (rows.length === 0) {
      const text = state.loading ? 'Loading…' : state.filtered ? 'Nothing here matches.' : 'This folder is empty. Drop files here, or use Upload.';
      this.#body.replaceChildren(h('tr', { class: 'placeholder' }, h('td', { colspan: 5 }, text)));
      return;
    }
    this.#body.replaceChildren(...rows.map((e) => this.#row(e, fresh.has(e.name) && e.kind === 'file', selected.has(e.name))));
  }

  syncHeader(selected: ReadonlySet<string>): void {
    const n = this.#files.filter((f) => selected.has(f)).length;
    this.#all.checked = n > 0 && n === this.#files.length;
    this.#all.indeterminate = n > 0 && n < this.#files.length;
    this.#all.disabled = this.#files.length === 0;
  }

  #row(e: Entry, isNew: boolean, isSelected: boolean): HTMLElement {
    const check = e.kind === 'file' ? h('input', { type: 'checkbox', 'aria-label': `Select ${e.name}`, checked: isSelected }) : null;
    const open = h('button', { type: 'button', class: 'name-button', title: e.kind === 'dir' ? `Open ${e.name}` : e.name },
      icon(iconOf(e)), h('span', { class: 'name-text' }, e.name));
    open.addEventListener('click', () => this.events.open(e));
    const act = (name: string) => () => this.events.action(name, e);
    const actions = e.kind === 'dir'
      ? [iconButton('info', `Details of ${e.name}`, act('details')), iconButton('edit', `Rename or move ${e.name}`, act('rename')), iconButton('trash', `Delete ${e.name}`, act('delete'))]
      : [
        previewKind(e) ? iconButton('eye', `Preview ${e.name}`, act('preview')) : h('span', { class: 'icon-spacer', 'aria-hidden': 'true' }),
        iconButton('link', `Link to ${e.name}`, act('link')),
        iconButton('download', `Download ${e.name}`, act('download')),
        iconButton('info', `Details of ${e.name}`, act('details')),
        iconButton('edit', `Rename or move ${e.name}`, act('rename')),
        iconButton('trash', `Delete ${e.name}`, act('delete')),
      ];
    const tr = h('tr', { class: `${e.kind}${isSelected ? ' selected' : ''}`, 'data-name': e.name },
      h('td', { class: 'select' }, check),
      h('td', { class: 'name' }, h('div', { class: 'name-cell' }, open, isNew ? h('span', { class: 'badge-new' }, 'New') : null,
        h('span', { class: 'meta-mobile' }, e.kind === 'dir' ? formatDate(dateOf(e)) : `${formatBytes(e.sizeBytes)} · ${formatDate(dateOf(e))}`))),
      h('td', { class: 'size' }, e.kind === 'dir' ? '—' : formatBytes(e.sizeBytes)),
      h('td', { class: 'date' }, formatDate(dateOf(e))),
      h('td', { class: 'actions' }, h('div', { class: 'action-buttons' }, ...actions),
        iconButton('more', `Actions for ${e.name}`, act('more'), { class: 'icon-button more-button' })));
    check?.addEventListener('change', () => {
      tr.classList.toggle('selected', check.checked);
      this.events.toggle(e.name, check.checked);
    });
    return tr;
  }
}
