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
  'adapters/postgres': (l) => ['domain', 'ports', 'adapters/sql', 'adapters/postgres'].includes(l),
  'adapters/fs': (l) => ['domain', 'ports', 'adapters/fs'].includes(l),
  'adapters/http': (l) => ['domain', 'ports', 'adapters/http'].includes(l),
  'adapters/s3': (l) => ['domain', 'ports', 'adapters/s3'].includes(l),
  transport: (l) => ['domain', 'service', 'transport'].includes(l),
  server: () => true,
  cli: (l) => ['domain', 'server', 'service', 'cli', 'client'].includes(l),
  client: (l) => ['domain', 'client'].includes(l),
  // The browser console reaches the server only through the API (STYLE.md).
  console: (l) => ['console', 'client'].includes(l),
};

const DRIVERS = ['better-sqlite3', 'kysely', 'fastify', '@fastify/busboy', 'pg', '@aws-sdk'];

for (const file of files(SRC)) {
  const layer = layerOf(file);
  test(`architecture: ${relative(SRC, file)} imports only what ${layer}/ may`, () => {
    for (const { spec, target } of importsOf(file)) {
      if (target) {
        const to = layerOf(target);
        assert.ok(MAY_IMPORT[layer]?.(to) ?? false, `${layer} must not import ${to} (${spec})`);
      } else if (layer === 'console') {
        assert.ok(!spec.startsWith('node:'), `console runs in a browser and must not import ${spec}`);
      } else if (layer === 'domain' || layer === 'ports' || layer === 'service') {
        assert.ok(!DRIVERS.some((d) => spec === d || spec.startsWith(`${d}/`)), `${layer} must not import ${spec}`);
      }
    }
  });
}

test('architecture: no console.log in src/ (the logger writes structured lines)', () => {
  for (const file of files(SRC)) assert.ok(!/console\.log\(/.test(readFileSync(file, 'utf8')), relative(SRC, file));
});

/**
 * The SDK runs in browsers: client/ reaches only the pure domain modules it
 * needs, and no node: module except from client/node.ts, which nothing else
 * in client/ imports (the browser build never loads it).
 */
const CLIENT_DOMAIN = ['domain/result-codes.ts', 'domain/model.ts', 'domain/errors.ts'];
const CLIENT_NODE_ONLY = 'client/node.ts';

test('architecture: client/ imports only domain/result-codes, domain/model and domain/errors, and node: only in client/node.ts', () => {
  for (const file of files(join(SRC, 'client'))) {
    const rel = relative(SRC, file);
    for (const { spec, target } of importsOf(file)) {
      if (target) {
        const to = relative(SRC, target);
        if (to.startsWith('domain/')) assert.ok(CLIENT_DOMAIN.includes(to), `${rel} must not import ${to}`);
        if (rel !== CLIENT_NODE_ONLY) assert.notEqual(to, CLIENT_NODE_ONLY, `${rel} must not import client/node.ts`);
      } else if (rel !== CLIENT_NODE_ONLY) {
        assert.ok(!spec.startsWith('node:') && !/^[a-z@]/.test(spec), `${rel} must not import ${spec} (the browser build loads it)`);
      }
    }
  }
});

test('architecture: everything the browser build of client/ loads is free of node: and package imports', () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const { spec, target } of importsOf(file)) {
      if (target) visit(target);
      else assert.fail(`${relative(SRC, file)} imports ${spec}, which a browser cannot load`);
    }
  };
  visit(join(SRC, 'client/index.ts'));
  assert.ok(seen.size > 1);
});
