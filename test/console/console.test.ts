/**
 * The web console in real headless Chromium (Debian's `chromium` driven by
 * playwright-core), against the real server on an ephemeral port: the
 * workflow of console.md from login to logout, checked in the page and
 * through the API. A screenshot of each main screen is written to
 * test-output/console/. Without /usr/bin/chromium (or ORIGINSTORE_CHROMIUM)
 * the test is skipped and says why.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { buildConsole } from '../../scripts/build-console.js';
import { ACCOUNT, PASSWORD, startServer, USER, type TestServer } from '../helpers/server.js';
import { makePng } from './png.js';

const CHROMIUM = process.env['ORIGINSTORE_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/console/', import.meta.url));
const SKIP = existsSync(CHROMIUM) ? false : `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium, or set ORIGINSTORE_CHROMIUM)`;

const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

let server: TestServer;
let context: BrowserContext;
let page: Page;
let scratch: string;
let token: string;
const foreign: string[] = [];

const RED = makePng(320, 200, [220, 60, 50]);
const GREEN = makePng(160, 100, [40, 170, 90]);
const BLUE = makePng(640, 400, [40, 90, 220]);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** A row of the file table by its entry name. */
const row = (name: string) => page.locator(`tbody tr[data-name="${name}"]`);

async function stat(path: string): Promise<{ code: number; size?: number; checksum?: string }> {
  return server.rpc('stat', { token, path, detail: true });
}

async function logIn(username: string, password: string): Promise<void> {
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('table.files').waitFor();
}

before(async () => {
  if (SKIP) return;
  const { chromium } = await import('playwright-core');
  scratch = await mkdtemp(join(tmpdir(), 'originstore-console-e2e-'));
  const built = join(scratch, 'console');
  await buildConsole(built);
  server = await startServer({ env: { ORIGINSTORE_CONSOLE_DIR: built } });
  await server.app.services.admin.setAdmin(USER, true);
  token = await server.login();
  await mkdir(SHOTS, { recursive: true });
  context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  // Every request the page makes stays on this server: nothing from a CDN, no web fonts.
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith('http') && url.origin !== server.url) foreign.push(r.url());
  });
});

after(async () => {
  if (SKIP) return;
  await context?.close();
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

test('console: the login screen refuses a wrong password and logs in with the right one', { skip: SKIP }, async () => {
  await page.goto(`${server.url}/console`);
  await page.locator('#login-username').waitFor();
  await shot('01-login');
  await page.locator('#login-username').fill(USER);
  await page.locator('#login-password').fill('wrong');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('The user name or password is wrong.').waitFor();
  await page.locator('#login-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByText('This folder is empty').waitFor();
  const stored = await page.evaluate(() => sessionStorage.getItem('originstore.console.session'));
  assert.ok(stored?.includes('"token"'), 'the token is kept in sessionStorage');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing is kept beyond the session');
  await shot('02-empty-home');
});

test('console: creating "a/b" makes b inside an existing a, and names a missing parent', { skip: SKIP }, async () => {
  const create = async (name: string) => {
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill(name);
    await page.getByRole('button', { name: 'Create' }).click();
  };
  await create('photos');
  await row('photos').waitFor();
  await create('nothere/sub');
  await page.getByText('The parent folder /nothere does not exist.').waitFor();
  await shot('03-create-folder-error');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await create('photos/2024');
  await page.getByText('Created /photos/2024.').waitFor();
  assert.equal((await stat('/photos/2024')).code, 0);
  assert.equal((await stat('/nothere')).code, -1);
});

test('console: breadcrumbs and the go-back link move between folders', { skip: SKIP }, async () => {
  await row('photos').locator('.name-button').click();
  await row('2024').waitFor();
  await page.getByRole('link', { name: 'Go back' }).waitFor();
  await row('2024').locator('.name-button').click();
  await page.locator('.crumbs [aria-current="page"]', { hasText: '2024' }).waitFor();
  await page.locator('.crumbs').getByRole('link', { name: 'photos' }).click();
  await row('2024').waitFor();
  assert.equal(await page.locator('.crumbs [aria-current="page"]').textContent(), 'photos');
});

test('console: uploads from the file picker appear flagged as new, first in the list', { skip: SKIP }, async () => {
  await page.locator('[data-testid="file-input"]').setInputFiles([
    { name: 'Cat-red.png', mimeType: 'image/png', buffer: RED },
    { name: 'dog-green.png', mimeType: 'image/png', buffer: GREEN },
  ]);
  await page.getByText('Uploaded 2 of 2 files').waitFor();
  await row('Cat-red.png').locator('.badge-new').waitFor();
  const first = await page.locator('tbody tr').first().getAttribute('data-name');
  assert.ok(first === 'Cat-red.png' || first === 'dog-green.png', `new files come before the folder, got ${first}`);
  assert.equal((await stat('/photos/Cat-red.png')).checksum, sha256(RED));
  assert.equal((await stat('/photos/dog-green.png')).size, GREEN.length);
  await shot('04-uploaded');
});

test('console: a synthetic drop of files uploads them to the current folder', { skip: SKIP }, async () => {
  await page.evaluate(async (b64: string) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'blue-cat.png', { type: 'image/png' }));
    data.items.add(new File(['hello, console\n'], 'notes.txt', { type: 'text/plain' }));
    const target = document.querySelector('.list-area')!;
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
  }, BLUE.toString('base64'));
  await row('blue-cat.png').locator('.badge-new').waitFor();
  await row('notes.txt').waitFor();
  assert.equal((await stat('/photos/blue-cat.png')).checksum, sha256(BLUE));
});

test('console: a folder from the picker uploads with its sub-folders', { skip: SKIP }, async () => {
  const album = join(scratch, 'album');
  await mkdir(join(album, 'day2'), { recursive: true });
  await writeFile(join(album, 'one.png'), RED);
  await writeFile(join(album, 'day2', 'two.png'), GREEN);
  await page.locator('[data-testid="folder-input"]').setInputFiles(album);
  await page.getByText('Uploaded 2 of 2 files').waitFor();
  await row('album').waitFor();
  assert.equal((await stat('/photos/album/one.png')).checksum, sha256(RED));
  assert.equal((await stat('/photos/album/day2/two.png')).checksum, sha256(GREEN));
});

test('console: a large file goes as a multipart upload with progress, and one upload can be cancelled', { skip: SKIP }, async () => {
  // ?multipart= lowers the threshold so that a 3 MB file goes as pieces.
  await page.goto(`${server.url}/console/?multipart=1000000#/photos`);
  await row('notes.txt').waitFor();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Pieces 1-3 of each file go at once, the rest wait: the bars stop part-way.
  await page.route('**/multipart/piece', async (route) => {
    if (Number(route.request().headers()['x-agile-part']) > 3) await gate;
    await route.continue().catch(() => undefined);
  });
  const big = Buffer.alloc(3_000_000, 7);
  big.write('multipart', 0);
  const other = Buffer.alloc(2_500_000, 9);
  await page.locator('[data-testid="file-input"]').setInputFiles([
    { name: 'big.bin', mimeType: 'application/octet-stream', buffer: big },
    { name: 'cancel-me.bin', mimeType: 'application/octet-stream', buffer: other },
  ]);
  await page.getByText('Uploading: 0 of 2 files done').waitFor();
  await page.getByRole('button', { name: 'Cancel all' }).waitFor();
  await page.getByRole('button', { name: 'Show details' }).click();
  await page.locator('.upload-row').nth(1).waitFor();
  await page.waitForFunction(() => {
    const overall = document.querySelector<HTMLProgressElement>('.upload-head progress');
    return overall !== null && overall.value >= 30 && overall.value < 100;
  });
  await shot('05-upload-progress');
  await page.getByRole('button', { name: 'Cancel cancel-me.bin' }).click();
  await page.locator('.upload-row.cancelled', { hasText: 'cancel-me.bin' }).waitFor();
  release();
  await page.getByText('Uploaded 1 of 1 file').waitFor();
  await page.locator('.upload-row.done', { hasText: 'big.bin' }).waitFor();
  await page.unroute('**/multipart/piece');
  const s = await stat('/photos/big.bin');
  assert.equal(s.size, big.length);
  assert.equal(s.checksum, sha256(big));
  assert.equal((await stat('/photos/cancel-me.bin')).code, -1);
  await page.getByRole('button', { name: 'Close' }).click();
});

test('console: the filter matches names case-insensitively as you type, in this folder only', { skip: SKIP }, async () => {
  await page.locator('#filter').fill('CAT');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
  const names = await page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));
  assert.deepEqual(names.sort(), ['Cat-red.png', 'blue-cat.png']);
  await shot('06-filter');
  await page.locator('#filter').fill('');
  await row('notes.txt').waitFor();
});

test('console: folders only, files only, and sorting by size both ways', { skip: SKIP }, async () => {
  await page.getByRole('radio', { name: 'Folders only' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')].every((r) => r.classList.contains('dir')));
  await page.getByRole('radio', { name: 'Files only' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr')].every((r) => r.classList.contains('file')));
  // Leave the new-upload flag out of the order: reload the folder.
  await page.reload();
  await row('notes.txt').waitFor();
  await page.getByRole('radio', { name: 'Files only' }).click();
  await page.locator('#sort').selectOption('size');
  await page.waitForFunction(() => document.querySelector('tbody tr')?.getAttribute('data-name') === 'notes.txt');
  await page.getByRole('button', { name: /Ascending order/ }).click();
  await page.waitForFunction(() => document.querySelector('tbody tr')?.getAttribute('data-name') === 'big.bin');
  await shot('07-sorted');
  await page.getByRole('button', { name: /Descending order/ }).click();
  await page.locator('#sort').selectOption('name');
  await page.getByRole('radio', { name: 'Files and folders' }).click();
});

test('console: paging through a folder with a chosen page size', { skip: SKIP }, async () => {
  await server.rpc('makeDir', [token, '/photos/many']);
  for (let i = 0; i < 60; i++) {
    const r = await server.postRaw(`file ${i}\n`, { 'X-Agile-Authorization': token, 'X-Agile-Directory': '/photos/many', 'X-Agile-Basename': `f${String(i).padStart(3, '0')}.txt` });
    assert.equal(r.headers.get('x-agile-status'), '0');
  }
  // Made behind the console's back: Refresh lists the folder again.
  await page.getByRole('button', { name: 'Refresh' }).click();
  await row('many').locator('.name-button').click();
  await page.getByText('1–50 of 60').waitFor();
  await page.getByLabel('Results per page').selectOption('25');
  await page.getByText('1–25 of 60').waitFor();
  await page.getByRole('button', { name: 'Page 3' }).click();
  await page.getByText('51–60 of 60').waitFor();
  await row('f050.txt').waitFor();
  await shot('08-paging');
  await page.getByRole('link', { name: 'Go back' }).click();
  await row('notes.txt').waitFor();
});

test('console: an image preview shows the picture through a MediaVault URL', { skip: SKIP }, async () => {
  await row('blue-cat.png').getByRole('button', { name: 'Preview blue-cat.png' }).click();
  await page.waitForFunction(() => (document.querySelector('dialog img') as HTMLImageElement | null)?.naturalWidth === 640);
  await shot('09-preview');
  await page.keyboard.press('Escape');
  await page.locator('dialog').waitFor({ state: 'detached' });
});

test('console: a text file previews as text', { skip: SKIP }, async () => {
  await row('notes.txt').getByRole('button', { name: 'Preview notes.txt' }).click();
  await page.locator('dialog pre', { hasText: 'hello, console' }).waitFor();
  await page.keyboard.press('Escape');
});

test('console: a direct link is valid for 24 hours, copies to the clipboard, and downloads the file', { skip: SKIP }, async () => {
  await row('Cat-red.png').getByRole('button', { name: 'Link to Cat-red.png' }).click();
  const input = page.getByLabel('Download link', { exact: true });
  await input.waitFor();
  assert.equal(await page.getByLabel('Valid for').inputValue(), String(24 * 3600));
  const link = await input.inputValue();
  await page.getByRole('button', { name: 'Copy download link' }).click();
  await page.getByText('Download link copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await shot('10-link');
  const response = await fetch(link);
  assert.equal(response.status, 200);
  assert.equal(sha256(Buffer.from(await response.arrayBuffer())), sha256(RED));
  const expires = Number(new URL(link).searchParams.get('e'));
  const hours = (expires - Date.now() / 1000) / 3600;
  assert.ok(hours > 23.9 && hours <= 24, `the link lasts 24 hours (${hours})`);
  await page.keyboard.press('Escape');
});

test('console: details show size, type, times and the SHA-256', { skip: SKIP }, async () => {
  await row('dog-green.png').getByRole('button', { name: 'Details of dog-green.png' }).click();
  await page.locator('dialog dd', { hasText: sha256(GREEN) }).waitFor();
  await page.locator('dialog dd', { hasText: 'image/png' }).waitFor();
  await shot('11-details');
  await page.keyboard.press('Escape');
});

test('console: download saves the file under its own name', { skip: SKIP }, async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), row('Cat-red.png').getByRole('button', { name: 'Download Cat-red.png' }).click()]);
  assert.equal(download.suggestedFilename(), 'Cat-red.png');
  assert.equal(sha256(await readFile((await download.path())!)), sha256(RED));
});

test('console: rename in place, and move into another folder', { skip: SKIP }, async () => {
  await row('dog-green.png').getByRole('button', { name: 'Rename or move dog-green.png' }).click();
  await page.getByLabel('New path').fill('/photos/dog.png');
  await page.getByRole('button', { name: 'Save' }).click();
  await row('dog.png').waitFor();
  await row('dog.png').getByRole('button', { name: 'Rename or move dog.png' }).click();
  await page.getByLabel('New path').fill('/photos/2024/dog.png');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Moved to /photos/2024/dog.png.').waitFor();
  assert.equal((await stat('/photos/2024/dog.png')).checksum, sha256(GREEN));
  assert.equal((await stat('/photos/dog-green.png')).code, -1);
});

test('console: deleting several files asks first, then removes them', { skip: SKIP }, async () => {
  const deleteButton = page.getByRole('button', { name: /^Delete/ }).first();
  assert.equal(await deleteButton.isDisabled(), true, 'Delete waits for a selection');
  await row('notes.txt').getByRole('checkbox').check();
  await row('big.bin').getByRole('checkbox').check();
  await page.locator('tbody tr.selected[data-name="notes.txt"]').waitFor();
  await page.getByRole('button', { name: 'Delete (2)' }).click();
  await page.locator('dialog', { hasText: 'Delete 2 items?' }).waitFor();
  await shot('12-delete-confirm');
  await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
  await row('notes.txt').waitFor({ state: 'detached' });
  await row('big.bin').waitFor({ state: 'detached' });
  assert.equal((await stat('/photos/notes.txt')).code, -1);
  assert.equal((await stat('/photos/big.bin')).code, -1);
});

test('console: a folder that is not empty is not deleted, and says why', { skip: SKIP }, async () => {
  await row('2024').getByRole('button', { name: 'Delete 2024' }).click();
  await page.locator('dialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText(/not empty/).waitFor();
  assert.equal((await stat('/photos/2024')).code, 0);
});

test('console: an account administrator creates a user restricted to a home directory', { skip: SKIP }, async () => {
  await page.getByRole('link', { name: 'Users' }).click();
  await page.locator(`tr[data-user="${USER}"]`).waitFor();
  await page.getByRole('button', { name: 'New user' }).click();
  await page.getByLabel('User name').fill('carol');
  await page.getByLabel('Password', { exact: true }).fill('carol-pw');
  await page.getByLabel('Confirm password').fill('carol-pw');
  await page.getByLabel('Restricted directory').fill('/carol');
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.locator('tr[data-user="carol"]').waitFor();
  await page.getByRole('button', { name: 'Create key pair: carol' }).click();
  await page.getByLabel('Secret key').waitFor();
  await page.keyboard.press('Escape');
  await page.locator('tr[data-user="carol"] td.mono', { hasText: '…' }).waitFor();
  await shot('13-users');
  const users = await server.app.services.admin.listUsers(ACCOUNT);
  assert.equal(users.find((u) => u.username === 'carol')?.home, '/carol');
});

test('console: an account administrator disables a user, who then shows as inactive and cannot log in', { skip: SKIP }, async () => {
  await server.app.services.admin.addUser(ACCOUNT, 'dave', 'dave-pw');
  await page.evaluate(() => { location.hash = '#/'; });
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Disable: dave' }).click();
  await page.locator('dialog').getByRole('button', { name: 'Disable' }).click();
  await page.locator('tr[data-user="dave"]').waitFor({ state: 'detached' });
  await page.getByRole('radio', { name: 'Inactive' }).click();
  await page.locator('tr[data-user="dave"]', { hasText: 'Disabled' }).waitFor();
  assert.deepEqual(await server.rpc('login', ['dave', 'dave-pw']), [null, null]);
  await page.getByRole('radio', { name: 'Active', exact: true }).click();
});

test('console: a home-restricted user sees only its home', { skip: SKIP }, async () => {
  await page.getByRole('button', { name: /Welcome/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await page.getByText('You have logged out.').waitFor();
  await logIn('carol', 'carol-pw');
  await page.getByText('This folder is empty').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no Users tab for a plain user');
  await page.evaluate(() => { location.hash = '#/photos'; });
  await page.getByText('The folder /photos does not exist.').waitFor();
});

test('console: the login screen comes back when the session ends', { skip: SKIP }, async () => {
  const stored = JSON.parse((await page.evaluate(() => sessionStorage.getItem('originstore.console.session')))!) as { token: string };
  assert.equal(await server.rpc('logout', [stored.token]), 0);
  await page.getByRole('button', { name: 'New folder' }).click();
  await page.getByLabel('Folder name').fill('after-expiry');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByText('Your session has ended. Please log in again.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('originstore.console.session')), null);
});

test('console: on a phone-sized screen the list and its actions still fit', { skip: SKIP }, async () => {
  await logIn(USER, PASSWORD);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => { location.hash = '#/photos'; });
  await row('Cat-red.png').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling (${overflow}px)`);
  for (const name of ['Upload', 'Upload folder', 'New folder']) {
    assert.equal(await page.getByRole('button', { name, exact: true }).isVisible(), true, `the ${name} button keeps its name on a phone`);
  }
  await shot('14-phone');
  await row('Cat-red.png').getByRole('button', { name: 'Actions for Cat-red.png' }).click();
  await page.locator('dialog').getByRole('button', { name: 'Get link' }).waitFor();
  await shot('15-phone-actions');
  await page.keyboard.press('Escape');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('console: logging out forgets the token and shows the login screen', { skip: SKIP }, async () => {
  await page.getByRole('button', { name: /Welcome/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await page.getByText('You have logged out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('originstore.console.session')), null);
  await page.reload();
  await page.locator('#login-username').waitFor();
});

test('console: the page made no request to any other origin', { skip: SKIP }, () => {
  assert.deepEqual(foreign, []);
});
