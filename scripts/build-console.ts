/**
 * Builds the web console: src/console/main.ts bundled and minified by esbuild
 * into one console.js, beside index.html, console.css and favicon.svg, in
 * dist/console (or the folder given). `npm run build` runs it; the console
 * test builds into a temporary folder with the same function.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../src/console/', import.meta.url));
const STATIC_FILES = ['index.html', 'favicon.svg'];

export async function buildConsole(outDir: string): Promise<{ bytes: Record<string, number> }> {
  await mkdir(outDir, { recursive: true });
  const result = await build({
    entryPoints: { console: join(SOURCE, 'main.ts'), 'console-style': join(SOURCE, 'console.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    outdir: outDir,
    entryNames: '[name]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // The stylesheet entry is named apart from the script's so that neither overwrites the other.
  await rename(join(outDir, 'console-style.css'), join(outDir, 'console.css'));
  for (const f of STATIC_FILES) await copyFile(join(SOURCE, f), join(outDir, f));
  const bytes: Record<string, number> = {};
  for (const [file, info] of Object.entries(result.metafile.outputs)) bytes[file.replace('console-style.css', 'console.css')] = info.bytes;
  return { bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? fileURLToPath(new URL('../dist/console/', import.meta.url));
  const { bytes } = await buildConsole(outDir);
  for (const [file, n] of Object.entries(bytes)) process.stdout.write(`${file}\t${(n / 1024).toFixed(1)} KiB\n`);
}
