/**
 * The configuration reference in README.md is SETTINGS written out, and
 * docs/configuration.md describes every setting: both fail here when a
 * setting is added, renamed or re-documented in one place only.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { SETTINGS, type Setting } from '../src/server/config.js';

const root = new URL('../', import.meta.url);

/** How the configuration table shows a setting's default: the largest whole unit. */
function shownDefault(s: Setting): string {
  if (s.fallback === undefined) return '—';
  const n = s.fallback as number;
  if (s.key.endsWith('Seconds')) {
    const [unit, size] = ([['d', 86400], ['h', 3600], ['m', 60]] as const).find(([, size]) => n % size === 0) ?? ['s', 1];
    return `\`${n / size}${unit}\``;
  }
  if (s.key.endsWith('Bytes')) {
    const units = [['TiB', 1024 ** 4], ['TB', 1000 ** 4], ['GiB', 1024 ** 3], ['GB', 1000 ** 3], ['MiB', 1024 ** 2], ['MB', 1000 ** 2], ['KiB', 1024], ['KB', 1000]] as const;
    const [unit, size] = units.find(([, size]) => n % size === 0) ?? ['B', 1];
    return `\`${n / size}${unit}\``;
  }
  return `\`${String(s.fallback)}\``;
}

/** One row of the table; `<` is escaped so that `<host>` in a description is not read as HTML. */
function tableRow(s: Setting): string {
  const cell = (text: string) => text.replaceAll('<', '&lt;');
  return `| \`${s.flag}\` | \`${s.env}\` | ${shownDefault(s)} | ${cell(s.help)} |`;
}

test('README.md: the configuration table is SETTINGS, row for row', async () => {
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const header = '| flag | environment variable | default | meaning |';
  const start = readme.indexOf(header);
  assert.notEqual(start, -1, 'README.md has no configuration table');
  const lines = readme.slice(start).split('\n').slice(2);
  const end = lines.findIndex((line) => !line.startsWith('|'));
  const rows = lines.slice(0, end < 0 ? lines.length : end);
  const expected = SETTINGS.map(tableRow);
  assert.deepEqual(rows, expected, `README.md's table should read:\n${expected.join('\n')}\n`);
});

test('docs/configuration.md: names every flag and environment variable', async () => {
  const doc = await readFile(new URL('docs/configuration.md', root), 'utf8');
  for (const s of SETTINGS) {
    assert.ok(doc.includes(s.flag.split(' ')[0]!), `${s.flag} is not described`);
    assert.ok(doc.includes(s.env), `${s.env} is not described`);
  }
});
