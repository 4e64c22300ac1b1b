/**
 * The code tables against the spec: every code a method's "Return Codes"
 * list documents is produced by some error kind (or is listed below as not
 * reachable, with the reason), and the tables hold no code the spec does not
 * list for that method.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENDPOINT_CODES, METHOD_CODES } from '../../src/domain/result-codes.js';

/** Transcribed from spec/apis/api_calls/*.md, "Return Codes" (0 left out). */
const SPEC: Record<string, number[]> = {
  login: [-40, -41],
  authenticate: [-34, -40, -41, -47, -10001],
  logout: [-1, -2],
  checkToken: [-10001],
  updateSession: [-1, -34, -10001],
  noop: [-10001],
  ping: [],
  makeDir: [-1, -2, -3, -4, -5, -6, -8, -10001],
  makeDir2: [-1, -2, -3, -4, -5, -6, -8, -10001],
  deleteDir: [-1, -5, -6, -7, -10001],
  listDir: [-1, -11, -12, -10001],
  listFile: [-1, -11, -12, -10001],
  listPath: [-1, -8, -11, -12, -10001],
  stat: [-1, -10001],
  rename: [-1, -2, -3, -6, -7, -10001],
  setMTime: [-1, -5, -8, -27, -10001],
  deleteFile: [-1, -10001],
  setContentType: [-1, -3, -6, -8, -33, -10001],
  fetchFileHTTP: [-4, -13, -14, -56, -10001],
};

/** Documented codes no situation here produces, and why. */
const UNREACHABLE: Record<string, Record<number, string>> = {
  makeDir: { [-4]: 'a second "internal error"; -5 is used for every internal failure' },
  makeDir2: { [-4]: 'a second "internal error"; -5 is used for every internal failure' },
  logout: {},
};

/** Codes outside a method's documented list, and why they are there. */
const EXTRA: Record<string, Record<number, string>> = {
  deleteFile: { [-6]: 'reserved for permission checks of restricted users (the spec lists -6 for its sibling methods)' },
};

for (const [method, documented] of Object.entries(SPEC)) {
  test(`result codes: ${method} produces every code its spec page lists, and only those`, () => {
    const table = METHOD_CODES[method];
    assert.ok(table, `${method} has a code table`);
    const produced = new Set([...Object.values(table.codes), ...(table.internal === undefined ? [] : [table.internal])]);
    for (const code of documented) {
      if (UNREACHABLE[method]?.[code]) continue;
      assert.ok(produced.has(code), `${method}: documented code ${code} is never produced`);
    }
    for (const code of produced) {
      if (EXTRA[method]?.[code]) continue;
      assert.ok(documented.includes(code), `${method}: code ${code} is not in its spec page`);
    }
  });
}

/** uploading_files_nonmultipart.md, working_with_directories_http.md, logging_in_using_http_interface.md. */
const HTTP_SPEC: Record<string, Array<[number, number]>> = {
  '/post/raw': [[-3, 400], [-8, 400], [-24, 400], [-25, 400], [-26, 400], [-33, 400], [-39, 400], [-51, 400], [-5, 500], [-22, 503]],
  '/post/file': [[-3, 400], [-8, 400], [-21, 400], [-23, 400], [-24, 400], [-25, 400], [-26, 400], [-27, 400], [-33, 400], [-48, 400], [-5, 500], [-22, 503]],
  '/post/directory': [[-2, 400], [-3, 400], [-8, 400], [-39, 400], [-5, 500]],
  '/account/login': [[-34, 400], [-47, 400], [-10001, 400]],
};

for (const [endpoint, documented] of Object.entries(HTTP_SPEC)) {
  test(`result codes: ${endpoint} answers each documented X-Agile-Status with its documented HTTP status`, () => {
    const answers = Object.values(ENDPOINT_CODES[endpoint] ?? {});
    for (const [code, status] of documented) {
      assert.ok(answers.some((a) => a.code === code && a.status === status), `${endpoint}: ${code} @ ${status} is never answered`);
    }
  });
}
