// Runs the "Switching an existing script" examples of README.md as a new
// user would: the Python script and the curl commands, copied out of the
// README unchanged except for the base URL and the password, in an empty
// folder, against a running server. Exits non-zero when one of them does
// not print what the README says it prints.
// usage: node .ci/readme-examples.mjs BASE_URL PASSWORD
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, password] = process.argv.slice(2);
if (!url || !password) {
  console.error('usage: node .ci/readme-examples.mjs BASE_URL PASSWORD');
  process.exit(2);
}

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
// The section runs to the next second-level heading (the client commands and the SDK follow it).
const start = readme.indexOf('## Switching an existing script');
const end = readme.indexOf('\n## ', start + 1);
const section = readme.slice(start, end < 0 ? undefined : end);
const blocks = (lang, from) => [...section.slice(section.indexOf(from)).matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
// The README is written for the default address and the password of its "Run it" section.
const adapt = (text) => text.replaceAll('http://127.0.0.1:8080', url).replaceAll('change-me', password);

const python = blocks('python', '### Python');
const curl = blocks('sh', '### curl');
if (python.length !== 1 || curl.length < 5) {
  console.error(`README.md: expected one Python example and the curl examples, found ${python.length} and ${curl.length}`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'originstore-readme-'));
const failures = [];
function run(name, command, args, mustPrint) {
  let out;
  try {
    out = execFileSync(command, args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    failures.push(`${name} failed: ${err.stderr || err.message}`);
    return;
  }
  for (const expected of mustPrint) {
    if (!out.includes(expected)) failures.push(`${name} did not print ${JSON.stringify(expected)}; it printed:\n${out}`);
  }
  if (failures.length === 0) console.log(`${name}: ok`);
}
try {
  writeFileSync(join(work, 'upload.py'), adapt(python[0]));
  run('the Python example', '/usr/bin/python3', ['upload.py'], ['0 /demo/zz/file1.txt 36', 'checksum matches', '<Response [200]>']);
  writeFileSync(join(work, 'curl.sh'), curl.map(adapt).join('\n'));
  run('the curl examples', 'sh', ['-e', 'curl.sh'], [
    '{"message":"success","code":0}', 'x-agile-status: 0', 'x-agile-path: /demo/videos/2024/hello.txt', '"files":[{"name":"hello.txt"',
    'hello, origin', '{"jsonrpc":"2.0","id":2,"result":0}',
  ]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
