/** Short messages in a live region, so screen readers hear what sighted users see. */
import { h, iconButton } from './dom.js';

let region: HTMLElement | undefined;

function regionOf(): HTMLElement {
  region ??= document.body.appendChild(h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' }));
  return region;
}

export function notify(message: string, kind: 'info' | 'error' = 'info'): void {
  const toast = h('div', { class: `toast ${kind}` }, h('span', {}, message));
  toast.append(iconButton('x', 'Dismiss', () => toast.remove()));
  regionOf().append(toast);
  // Errors stay until dismissed; the rest fade after a while.
  if (kind === 'info') setTimeout(() => toast.remove(), 5000);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
