/** Short messages in a live region, so screen readers hear what sighted users see. */
import { h, iconButton } from './dom.js';

let region: HTMLElement | undefined;

function regionOf(): HTMLElement {
  region ??= document.body.appendChild(h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
  return region;
}

const MAX_SHOWN = 3;

export function notify(message: string, kind: 'info' | 'error' = 'info'): void {
  const toast = h('div', { class: `toast ${kind}` }, h('span', {}, message));
  toast.append(iconButton('x', 'Dismiss', () => toast.remove()));
  const region = regionOf();
  region.append(toast);
  while (region.children.length > MAX_SHOWN) region.firstElementChild!.remove();
  // Errors stay longer, to be read.
  setTimeout(() => toast.remove(), kind === 'error' ? 12_000 : 5000);
}

/** A new screen (login, logout) starts without the last one's messages. */
export function clearNotices(): void {
  region?.replaceChildren();
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
