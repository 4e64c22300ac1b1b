/** Folder paths as the console shows them: relative to the token's root, "/" or "/a/b", never a trailing slash. */

export function joinPath(folder: string, name: string): string {
  return folder === '/' ? `/${name}` : `${folder}/${name}`;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Breadcrumbs: [{name, path}] from the root to `folder`. */
export function crumbs(folder: string): { name: string; path: string }[] {
  const out = [{ name: 'Home', path: '/' }];
  let path = '';
  for (const segment of folder.split('/').filter((s) => s !== '')) {
    path += `/${segment}`;
    out.push({ name: segment, path });
  }
  return out;
}

/**
 * A name typed in the create-folder or rename box, relative to `folder`: "a/b"
 * means a folder b inside a (console.md, "Creating Folders"). Empty segments,
 * "." and ".." are refused here, before the server would refuse them.
 */
export function resolveTyped(folder: string, typed: string): { path: string } | { error: string } {
  const trimmed = typed.trim();
  const absolute = trimmed.startsWith('/');
  const segments = trimmed.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { error: 'Type a name.' };
  if (segments.some((s) => s === '.' || s === '..')) return { error: 'A name cannot be "." or "..".' };
  return { path: segments.reduce(joinPath, absolute ? '/' : folder) };
}

/** The URL hash of a folder: "#/a/b%20c" (so the browser's back button and reloads work). */
export function hashOf(folder: string): string {
  return `#${folder.split('/').map(encodeURIComponent).join('/')}`;
}

export function folderOfHash(hash: string): string {
  const raw = hash.replace(/^#/, '');
  if (!raw.startsWith('/')) return '/';
  try {
    const segments = raw.split('/').filter((s) => s !== '').map(decodeURIComponent);
    return segments.length === 0 ? '/' : `/${segments.join('/')}`;
  } catch {
    return '/';
  }
}
