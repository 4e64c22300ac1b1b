/**
 * The login token lives in sessionStorage: it survives a reload of the tab
 * but not the tab itself, and no other tab or later visit sees it.
 */
const KEY = 'originstore.console.session';

export interface StoredSession {
  readonly token: string;
  readonly username: string;
}

export function loadSession(): StoredSession | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const s = JSON.parse(raw) as Partial<StoredSession>;
    return typeof s.token === 'string' && typeof s.username === 'string' ? { token: s.token, username: s.username } : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: StoredSession): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}
