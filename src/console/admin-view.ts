/**
 * Users and key pairs for an account administrator (docs/extensions.md):
 * create users, reset passwords, disable and enable, change home
 * directories, issue and revoke key pairs.
 */
import type { ConsoleApi, UserRow } from './api.js';
import { confirmDialog, formDialog, openDialog } from './dialogs.js';
import { h, icon } from './dom.js';
import { formatDate } from './format.js';
import { errorText, notify } from './notify.js';

type Filter = 'active' | 'inactive' | 'all';

export class AdminView {
  readonly element: HTMLElement;
  #users: UserRow[] = [];
  #filter: Filter = 'active';
  readonly #body = h('tbody', {});
  readonly #tabs: HTMLElement;

  constructor(private readonly api: ConsoleApi, private readonly me: string) {
    this.#tabs = h('div', { class: 'segmented text', role: 'radiogroup', 'aria-label': 'Show users' },
      ...(['active', 'inactive', 'all'] as const).map((f) => {
        const b = h('button', { type: 'button', role: 'radio', 'aria-checked': String(f === this.#filter) }, f[0]!.toUpperCase() + f.slice(1));
        b.addEventListener('click', () => {
          this.#filter = f;
          for (const other of this.#tabs.querySelectorAll('button')) other.setAttribute('aria-checked', String(other === b));
          this.#render();
        });
        return b;
      }));
    const table = h('table', { class: 'users' },
      h('caption', { class: 'sr-only' }, 'Users of this account'),
      h('thead', {}, h('tr', {}, ...['User', 'Home directory', 'Status', 'Key pair', 'Created'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      this.#body);
    this.element = h('div', { class: 'admin-view' },
      h('div', { class: 'toolbar' },
        h('div', { class: 'toolbar-group' }, h('h1', { class: 'view-title' }, 'Users'), this.#tabs),
        h('div', { class: 'toolbar-group' }, h('button', { type: 'button', class: 'button primary', onclick: () => this.#create() }, icon('users'), h('span', { class: 'label' }, 'New user')))),
      h('div', { class: 'table-wrap' }, table));
  }

  async refresh(): Promise<void> {
    this.#body.replaceChildren(h('tr', { class: 'placeholder' }, h('td', { colspan: 6 }, 'Loading…')));
    try {
      const r = await this.api.rpc<{ users: WireUser[] }>('adminListUsers');
      this.#users = r.users.map(fromWire);
      this.#render();
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  #render(): void {
    const shown = this.#users.filter((u) => this.#filter === 'all' || (this.#filter === 'active') !== u.disabled);
    if (shown.length === 0) {
      this.#body.replaceChildren(h('tr', { class: 'placeholder' }, h('td', { colspan: 6 }, 'No users here.')));
      return;
    }
    this.#body.replaceChildren(...shown.map((u) => this.#row(u)));
  }

  #row(u: UserRow): HTMLElement {
    const self = u.username === this.me;
    const button = (label: string, run: () => void, cls = 'button small') => h('button', { type: 'button', class: cls, onclick: run, 'aria-label': `${label}: ${u.username}` }, label);
    return h('tr', { 'data-user': u.username },
      h('td', {}, h('strong', {}, u.username), u.admin ? h('span', { class: 'badge' }, 'admin') : null, self ? h('span', { class: 'badge muted' }, 'you') : null),
      h('td', { class: 'mono' }, u.home),
      h('td', {}, h('span', { class: u.disabled ? 'status off' : 'status on' }, u.disabled ? 'Disabled' : 'Active')),
      h('td', { class: 'mono' }, u.accessKey ? `${u.accessKey.slice(0, 12)}…` : '—'),
      h('td', {}, formatDate(u.created)),
      h('td', { class: 'actions' }, h('div', { class: 'action-buttons wrap' },
        button('Reset password', () => this.#password(u)),
        button('Home', () => this.#home(u)),
        self ? null : button(u.disabled ? 'Enable' : 'Disable', () => void this.#toggle(u), u.disabled ? 'button small' : 'button small danger-outline'),
        button(u.accessKey ? 'New key pair' : 'Create key pair', () => void this.#keyPair(u)),
        u.accessKey ? button('Revoke key', () => void this.#revoke(u), 'button small danger-outline') : null)));
  }

  #create(): void {
    formDialog('New user', [
      { name: 'username', label: 'User name', autocomplete: 'off' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password' },
      { name: 'confirm', label: 'Confirm password', type: 'password', autocomplete: 'new-password' },
      { name: 'home', label: 'Restricted directory', value: '/', hint: 'The user sees only this folder of the account; / is the whole account. Created if missing.' },
      { name: 'admin', label: 'Account administrator (manages users and key pairs)', type: 'checkbox', value: 'false' },
    ], 'Create user', async (v) => {
      if (v['password'] !== v['confirm']) return 'The passwords differ.';
      await this.api.rpc('adminAddUser', { username: v['username'], password: v['password'], home: v['home'] || '/', admin: v['admin'] === 'true' });
      notify(`User ${v['username']} created.`);
      await this.refresh();
      return undefined;
    });
  }

  #password(u: UserRow): void {
    formDialog(`Reset the password of ${u.username}`, [
      { name: 'password', label: 'New password', type: 'password', autocomplete: 'new-password' },
      { name: 'confirm', label: 'Confirm password', type: 'password', autocomplete: 'new-password' },
    ], 'Save', async (v) => {
      if (v['password'] !== v['confirm']) return 'The passwords differ.';
      await this.api.rpc('adminSetPassword', { username: u.username, password: v['password'] });
      notify(`Password of ${u.username} changed.`);
      return undefined;
    });
  }

  #home(u: UserRow): void {
    formDialog(`Home directory of ${u.username}`, [
      { name: 'home', label: 'Restricted directory', value: u.home, hint: 'Created if missing. The user\'s current sessions end.' },
    ], 'Save', async (v) => {
      await this.api.rpc('adminSetHome', { username: u.username, home: v['home'] || '/' });
      notify(`Home of ${u.username} is now ${v['home'] || '/'}.`);
      await this.refresh();
      return undefined;
    });
  }

  async #toggle(u: UserRow): Promise<void> {
    if (!u.disabled && !(await confirmDialog(`Disable ${u.username}`, `${u.username} will not be able to log in, and their sessions end now.`, 'Disable', true))) return;
    try {
      await this.api.rpc('adminSetDisabled', { username: u.username, disabled: !u.disabled });
      notify(`${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`);
      await this.refresh();
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  async #keyPair(u: UserRow): Promise<void> {
    if (u.accessKey && !(await confirmDialog(`New key pair for ${u.username}`, 'The current key pair stops working at once.', 'Replace', true))) return;
    try {
      const r = await this.api.rpc<{ access_key: string; secret_key: string }>('adminInitKeyPair', { username: u.username });
      const row = (label: string, value: string, id: string) => h('div', { class: 'field' }, h('label', { for: id }, label), h('input', { id, readonly: true, value, class: 'link-input mono' }));
      openDialog(`Key pair of ${u.username}`, h('div', { class: 'dialog-body' },
        h('p', {}, 'Copy the secret key now: it is shown only once.'),
        row('Access key', r.access_key, 'kp-access'), row('Secret key', r.secret_key, 'kp-secret')));
      await this.refresh();
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }

  async #revoke(u: UserRow): Promise<void> {
    if (!(await confirmDialog(`Revoke the key pair of ${u.username}`, 'Requests signed with it will be refused.', 'Revoke', true))) return;
    try {
      await this.api.rpc('adminDeleteKeyPair', { username: u.username });
      notify(`Key pair of ${u.username} revoked.`);
      await this.refresh();
    } catch (err) {
      notify(errorText(err), 'error');
    }
  }
}

interface WireUser {
  username: string;
  home: string;
  uid: number;
  disabled: boolean;
  admin: boolean;
  created: number;
  access_key: string | null;
  key_created: number | null;
}

function fromWire(w: WireUser): UserRow {
  return { username: w.username, home: w.home, uid: w.uid, disabled: w.disabled, admin: w.admin, created: w.created, accessKey: w.access_key, keyCreated: w.key_created };
}
