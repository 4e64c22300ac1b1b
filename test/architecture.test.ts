/**
 * The import rules of STYLE.md, checked on every run: data flows
 * transport → service → ports ← adapters, and only server/ names an adapter.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel[0] === 'adapters' ? `adapters/${rel[1]}` : rel[0]!;
}

function importsOf(file: string): { spec: string; target?: string }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; target?: string }[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
    const spec = m[1]!;
    out.push(spec.startsWith('.') ? { spec, target: resolve(dirname(file), spec.replace(/\.js$/, '.ts')) } : { spec });
  }
  return out;
}

const MAY_IMPORT: Record<string, (layer: string) => boolean> = {
  domain: (l) => l === 'domain',
  ports: (l) => l === 'domain' || l === 'ports',
  service: (l) => ['domain', 'ports', 'service'].includes(l),
  'adapters/sql': (l) => ['domain', 'ports', 'adapters/sql'].includes(l),
  'adapters/sqlite': (l) => ['domain', 'ports', 'adapters/sql', 'adapters/sqlite'].includes(l),
  'adapters/fs': (l) => ['domain', 'ports', 'adapters/fs'].includes(l),
  'adapters/http': (l) => ['domain', 'ports', 'adapters/http'].includes(l),
  'adapters/s3': (l) => ['domain', 'ports', 'adapters/s3'].includes(l),
  transport: (l) => ['domain', 'service', 'transport'].includes(l),
  server: () => true,
  cli: (l) => ['domain', 'server', 'service', 'cli', 'client'].includes(l),
};

const DRIVERS = ['better-sqlite3', 'kysely', 'fastify', '@fastify/busboy', 'pg', '@aws-sdk'];

for (const file of files(SRC)) {
  const layer = layerOf(file);
  test(`architecture: ${relative(SRC, file)} imports only what ${layer}/ may`, () => {
    for (const { spec, target } of importsOf(file)) {
      if (target) {
        const to = layerOf(target);
        assert.ok(MAY_IMPORT[layer]?.(to) ?? false, `${layer} must not import ${to} (${spec})`);
      } else if (layer === 'domain' || layer === 'ports' || layer === 'service') {
        assert.ok(!DRIVERS.some((d) => spec === d || spec.startsWith(`${d}/`)), `${layer} must not import ${spec}`);
      }
    }
  });
}

test('architecture: no console.log in src/ (the logger writes structured lines)', () => {
  for (const file of files(SRC)) assert.ok(!/console\.log\(/.test(readFileSync(file, 'utf8')), relative(SRC, file));
});
