/**
 * The console's entry point: the login screen, or the workspace (files and,
 * for an account administrator, users) once a session is known. A session
 * that ends — logout, expiry, a disabled user — brings the login screen back.
 */
import { AdminView } from './admin-view.js';
import { ConsoleApi, type SessionInfo } from './api.js';
import { h, icon } from './dom.js';
import { FilesView } from './files-view.js';
import { folderOfHash } from './paths.js';
import { loginView } from './login-view.js';
import { clearNotices, errorText, notify } from './notify.js';
import { forgetSession, loadSession, saveSession } from './session.js';
import { DEFAULT_SEND, type SendOptions } from './upload-send.js';

const root = document.getElementById('app')!;
const baseUrl = location.origin;

let leave: (() => void) | undefined;

function showLogin(notice = ''): void {
  leave?.();
  leave = undefined;
  forgetSession();
  for (const dialog of document.querySelectorAll('dialog')) {
    dialog.close();
    dialog.remove();
  }
  clearNotices();
  document.title = 'Log in · originstore';
  root.replaceChildren(loginView(baseUrl, notice, (token, username) => {
    saveSession({ token, username });
    void start(token);
  }));
}

/** Test hook: ?multipart=<bytes> lowers the multipart threshold so a small file goes as pieces. */
function sendOptions(): SendOptions {
  const raw = new URLSearchParams(location.search).get('multipart');
  const threshold = raw !== null && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return threshold === undefined ? DEFAULT_SEND : { ...DEFAULT_SEND, multipartThresholdBytes: threshold, pieceBytes: Math.max(1, Math.ceil(threshold / 2)) };
}

async function start(token: string): Promise<void> {
  let ended = false;
  const api = new ConsoleApi(baseUrl, token, () => {
    if (ended) return;
    ended = true;
    showLogin('Your session has ended. Please log in again.');
  });
  let info: SessionInfo;
  try {
    info = await api.sessionInfo();
  } catch (err) {
    if (!ended) showLogin(errorText(err));
    return;
  }
  workspace(api, info, () => { ended = true; });
}

function workspace(api: ConsoleApi, info: SessionInfo, markEnded: () => void): void {
  const files = new FilesView(api, sendOptions());
  const admin = info.admin ? new AdminView(api, info.username) : undefined;
  const main = h('main', { id: 'main', class: 'workspace', tabindex: -1 });
  const nav = h('nav', { class: 'tabs', 'aria-label': 'Sections' },
    h('a', { href: '#/', 'data-tab': 'files' }, icon('folder'), h('span', {}, 'Files')),
    admin ? h('a', { href: '#users', 'data-tab': 'users' }, icon('users'), h('span', {}, 'Users')) : null);
  const menuButton = h('button', { type: 'button', class: 'user-button', 'aria-haspopup': 'true', 'aria-expanded': 'false' },
    h('span', { class: 'welcome' }, 'Welcome, '), h('strong', {}, info.username));
  const logout = h('button', { type: 'button', class: 'menu-item', role: 'menuitem' }, icon('logout'), 'Log out');
  const menu = h('div', { class: 'user-menu', role: 'menu', hidden: true },
    h('p', { class: 'menu-info' }, `Account ${info.account}`, h('br', {}), `Home ${info.home}`), logout);
  const setMenu = (open: boolean) => {
    menu.hidden = !open;
    menuButton.setAttribute('aria-expanded', String(open));
    if (open) logout.focus();
  };
  menuButton.addEventListener('click', () => setMenu(menuButton.getAttribute('aria-expanded') !== 'true'));
  menu.addEventListener('keydown', (e) => { if (e.key === 'Escape') { setMenu(false); menuButton.focus(); } });
  document.addEventListener('click', (e) => { if (!menu.hidden && !menu.contains(e.target as Node) && e.target !== menuButton && !menuButton.contains(e.target as Node)) setMenu(false); });
  logout.addEventListener('click', () => {
    markEnded();
    void api.logout().then(() => showLogin('You have logged out.'));
  });

  const header = h('header', { class: 'topbar' },
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => { e.preventDefault(); main.focus(); } }, 'Skip to content'),
    h('div', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'originstore'),
    nav,
    h('div', { class: 'user' }, menuButton, menu));
  root.replaceChildren(header, main);

  const route = () => {
    const users = location.hash === '#users' && admin !== undefined;
    for (const a of nav.querySelectorAll('a')) a.setAttribute('aria-current', String((a.dataset['tab'] === 'users') === users));
    if (users) {
      document.title = 'Users · originstore';
      main.replaceChildren(admin.element);
      void admin.refresh();
      return;
    }
    const folder = folderOfHash(location.hash);
    document.title = `${folder === '/' ? 'Home' : folder} · originstore`;
    if (main.firstChild !== files.element) main.replaceChildren(files.element);
    files.navigate(folder);
  };
  window.addEventListener('hashchange', route);
  route();

  // The token ends at its expiry: show the login screen then rather than at the next failed call.
  const timer = info.expiresMs > 0 ? setTimeout(() => { markEnded(); showLogin('Your session has expired. Please log in again.'); }, Math.max(0, info.expiresMs - Date.now())) : undefined;
  leave = () => {
    window.removeEventListener('hashchange', route);
    if (timer !== undefined) clearTimeout(timer);
    files.stop();
  };
}

window.addEventListener('unhandledrejection', (e) => notify(errorText(e.reason), 'error'));

const stored = loadSession();
if (stored) void start(stored.token);
else showLogin();
