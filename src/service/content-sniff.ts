/**
 * Content-type decisions for uploads (uploading_files_nonmultipart.md,
 * "Content Type Handling"): an explicit valid type wins, except
 * application/octet-stream, which asks for detection by name; otherwise the
 * requested detection, `auto` by default (by name, then by content).
 */
import { fileTypeFromBuffer } from 'file-type';
import { DEFAULT_CONTENT_TYPE, canonicalContentType, contentTypeByName, type ContentDetect } from '../domain/content-types.js';

/** file-type needs at most this many leading bytes. */
export const SNIFF_BYTES = 4100;

export interface ContentChoice {
  /** A type from the spec's table, already validated. */
  readonly explicit?: string | undefined;
  readonly detect?: ContentDetect | undefined;
}

export async function decideContentType(choice: ContentChoice, fileName: string, head: Buffer): Promise<string> {
  if (choice.explicit && choice.explicit !== DEFAULT_CONTENT_TYPE) return choice.explicit;
  const detect: ContentDetect = choice.explicit === DEFAULT_CONTENT_TYPE ? 'name' : (choice.detect ?? 'auto');
  const byName = detect === 'content' ? undefined : contentTypeByName(fileName);
  if (byName) return byName;
  if (detect === 'name') return DEFAULT_CONTENT_TYPE;
  return (await contentTypeOf(head)) ?? DEFAULT_CONTENT_TYPE;
}

/**
 * A type from the spec's table only: a format the table does not list
 * (WebP, gzip, …) is stored as application/octet-stream, so that every
 * stored type is one setContentType would accept and one the C# SDK's
 * integer `ctype` can name.
 */
async function contentTypeOf(head: Buffer): Promise<string | undefined> {
  if (head.length === 0) return undefined;
  const found = await fileTypeFromBuffer(head).catch(() => undefined);
  if (found) return contentTypeByName(`x.${found.ext}`) ?? canonicalContentType(found.mime) ?? DEFAULT_CONTENT_TYPE;
  return looksLikeText(head) ? 'text/plain' : undefined;
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // A multi-byte character may be cut at the end of the sniffed bytes.
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(0, Math.max(0, head.length - 3)));
  return !text.includes('\uFFFD');
}
