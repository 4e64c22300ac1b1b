/**
 * Modal dialogs on the native <dialog> element: it traps focus, closes on
 * Escape and returns focus to the opener, which is most of accessibility.
 */
import { h, iconButton } from './dom.js';

let nextId = 1;

export interface DialogHandle {
  readonly dialog: HTMLDialogElement;
  close(): void;
}

/** Opens a dialog titled `title` with `body`; `onClose` runs once however it closes. */
export function openDialog(title: string, body: Node, options: { wide?: boolean; onClose?: () => void } = {}): DialogHandle {
  const titleId = `dialog-title-${nextId++}`;
  const dialog = h('dialog', { class: options.wide ? 'dialog wide' : 'dialog', 'aria-labelledby': titleId });
  const close = () => dialog.close();
  dialog.append(h('div', { class: 'dialog-head' }, h('h2', { id: titleId }, title), iconButton('x', 'Close', close)), body);
  dialog.addEventListener('close', () => {
    dialog.remove();
    options.onClose?.();
  }, { once: true });
  // A click on the backdrop (the dialog itself, outside its content) closes it.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) close(); });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close };
}

export function confirmDialog(title: string, message: string | Node, confirmLabel: string, danger = false): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const yes = h('button', { type: 'button', class: danger ? 'button danger' : 'button primary', onclick: () => { answer = true; handle.close(); } }, confirmLabel);
    const no = h('button', { type: 'button', class: 'button', onclick: () => handle.close() }, 'Cancel');
    const body = h('div', { class: 'dialog-body' }, typeof message === 'string' ? h('p', {}, message) : message, h('div', { class: 'dialog-actions' }, no, yes));
    const handle = openDialog(title, body, { onClose: () => resolve(answer) });
    yes.focus();
  });
}

export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly type?: string;
  readonly value?: string;
  readonly hint?: string;
  readonly autocomplete?: string;
  readonly options?: readonly { value: string; label: string }[];
}

/**
 * A form in a dialog. `submit` returns an error message to show (the dialog
 * stays open) or undefined to close it.
 */
export function formDialog(title: string, fields: readonly FormField[], submitLabel: string, submit: (values: Record<string, string>) => Promise<string | undefined>): void {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const inputs = fields.map((f) => {
    const id = `field-${nextId++}`;
    const hintId = f.hint ? `${id}-hint` : undefined;
    const control = f.options
      ? h('select', { id, name: f.name }, ...f.options.map((o) => h('option', { value: o.value, selected: o.value === f.value }, o.label)))
      : h('input', {
        id, name: f.name, type: f.type ?? 'text', value: f.value ?? '', autocomplete: f.autocomplete ?? 'off', 'aria-describedby': hintId,
        checked: f.type === 'checkbox' && f.value === 'true',
      });
    const row = f.type === 'checkbox'
      ? h('div', { class: 'field checkbox' }, control, h('label', { for: id }, f.label))
      : h('div', { class: 'field' }, h('label', { for: id }, f.label), control);
    if (f.hint) row.append(h('p', { class: 'hint', id: hintId }, f.hint));
    return { f, control, row };
  });
  const submitButton = h('button', { type: 'submit', class: 'button primary' }, submitLabel);
  const form = h('form', { class: 'dialog-body', novalidate: true },
    ...inputs.map((i) => i.row), error,
    h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'button', onclick: () => handle.close() }, 'Cancel'), submitButton));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const values: Record<string, string> = {};
    for (const { f, control } of inputs) {
      values[f.name] = control instanceof HTMLInputElement && control.type === 'checkbox' ? String(control.checked) : control.value;
    }
    submitButton.disabled = true;
    error.textContent = '';
    submit(values).then((message) => {
      submitButton.disabled = false;
      if (message === undefined) handle.close();
      else error.textContent = message;
    }, (err: unknown) => {
      submitButton.disabled = false;
      error.textContent = err instanceof Error ? err.message : String(err);
    });
  });
  const handle = openDialog(title, form);
  const first = inputs[0]?.control;
  if (first instanceof HTMLInputElement) {
    first.focus();
    first.select();
  }
}
