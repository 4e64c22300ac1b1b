/** The login screen. */
import { ConsoleApi } from './api.js';
import { errorText } from './notify.js';
import { h } from './dom.js';

export function loginView(baseUrl: string, notice: string, onLogin: (token: string, username: string) => void): HTMLElement {
  const error = h('p', { class: 'form-error', role: 'alert' }, notice);
  const username = h('input', { id: 'login-username', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'button primary wide' }, 'Log in');
  const form = h('form', { class: 'login-card', 'aria-labelledby': 'login-title' },
    h('div', { class: 'brand big' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'originstore'),
    h('h1', { id: 'login-title' }, 'Log in to the console'),
    h('div', { class: 'field' }, h('label', { for: 'login-username' }, 'User name'), username),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
    error, submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (username.value === '' || password.value === '') {
      error.textContent = 'Type your user name and password.';
      return;
    }
    submit.disabled = true;
    error.textContent = '';
    ConsoleApi.login(baseUrl, username.value, password.value).then(
      (answer) => onLogin(answer.token, username.value),
      (err: unknown) => {
        submit.disabled = false;
        error.textContent = errorText(err);
        password.select();
      },
    );
  });
  queueMicrotask(() => username.focus());
  return h('main', { class: 'login-page' }, form);
}
