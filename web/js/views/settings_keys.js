/**
 * The API keys panel. Keys are write-only: the page shows only the mask the Api returns, the input is
 * never pre-filled and is emptied as soon as a key is saved.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { confirmDialog } from '../ui/dialog.js';
import { toast, toastError } from '../ui/toast.js';

function sourceText(status) {
  if (status.source === 'env') return `From environment variable ${status.env_var}`;
  if (status.source === 'keychain') return 'Stored in the system keychain';
  if (status.source === 'file') return 'Stored in the app’s private key file';
  return `Or set ${status.env_var} in the environment`;
}

class KeyRow {
  constructor(status, panel) {
    const { name, label } = status;
    this.panel = panel;
    this.name = name;
    this.label = label;
    this.mask = h('span', { class: 'badge key-mask', 'data-testid': `key-mask-${name}` });
    this.meta = h('p', { class: 'key-meta', 'data-testid': `key-source-${name}` });
    this.input = h('input', {
      class: 'input', type: 'password', id: `key-${name}`, autocomplete: 'off', spellcheck: 'false',
      'aria-label': `${label} API key`, 'data-testid': `key-input-${name}`,
      onKeydown: (event) => { if (event.key === 'Enter') { event.preventDefault(); this.save(); } },
      onInput: () => this.refreshButtons(),
    });
    this.saveButton = h('button', { class: 'btn btn-primary', type: 'button', text: 'Save', 'data-testid': `key-save-${name}`, onClick: () => this.save() });
    this.clearButton = h('button', { class: 'btn btn-danger-ghost', type: 'button', text: 'Clear', 'data-testid': `key-clear-${name}`, onClick: () => this.clear() });
    this.testButton = h('button', { class: 'btn', type: 'button', text: 'Test', title: `Check the ${label} key with one free call`, 'data-testid': `key-test-${name}`, onClick: () => this.test() });
    this.error = h('p', { class: 'field-error', 'data-testid': `key-error-${name}`, 'aria-live': 'polite' });
    this.result = h('p', { class: 'key-test-result', 'data-testid': `key-test-result-${name}`, 'aria-live': 'polite', hidden: true });
    this.row = h('div', { class: 'key-row', 'data-testid': `key-row-${name}` },
      h('div', {}, h('label', { class: 'key-title', for: `key-${name}` }, label, this.mask), this.meta),
      h('div', { class: 'field-control' }, h('div', { class: 'key-controls' }, this.input, this.saveButton, this.testButton, this.clearButton), this.error, this.result));
    this.update(status);
  }

  update(status) {
    this.status = status;
    const fromEnv = status.source === 'env';
    this.mask.textContent = status.is_set ? status.masked : 'Not set';
    this.mask.className = `badge key-mask ${status.is_set ? 'badge-success' : ''}`;
    this.meta.textContent = sourceText(status);
    this.input.readOnly = fromEnv;
    this.input.placeholder = fromEnv ? 'Set by the environment' : status.is_set ? status.masked : 'Paste your key';
    this.refreshButtons();
  }

  refreshButtons() {
    const fromEnv = this.status.source === 'env';
    this.saveButton.disabled = fromEnv || this.input.value.trim() === '';
    this.clearButton.disabled = fromEnv || !this.status.is_set;
    this.testButton.disabled = this.testing || !this.status.is_set;
  }

  /** Show a key test's state: `loading`, or the Api's status (ok, wrong_key, no_credits, unreachable, ...). */
  showResult(state, text) {
    this.result.hidden = false;
    this.result.dataset.state = state;
    this.result.className = `key-test-result is-${state === 'ok' ? 'ok' : state === 'loading' ? 'loading' : 'error'}`;
    this.result.replaceChildren(state === 'loading' ? h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true' }) : '', text);
  }

  async test() {
    this.testing = true;
    this.refreshButtons();
    this.showResult('loading', `Asking ${this.label}…`);
    try {
      const check = await call('test_key', this.name);
      this.showResult(check.is_ok ? 'ok' : check.status, check.message);
    } catch (err) {
      this.showResult('failed', err.message);
    } finally {
      this.testing = false;
      this.refreshButtons();
    }
  }

  async save() {
    const value = this.input.value;
    if (this.saveButton.disabled) return;
    this.error.textContent = '';
    this.saveButton.disabled = true;
    try {
      const statuses = await call('set_key', this.name, value);
      this.input.value = '';
      this.result.hidden = true;
      this.panel.update(statuses);
      toast(`${this.label} key saved`, { kind: 'success' });
    } catch (err) {
      this.error.textContent = err.fields?.[this.name] || err.message;
      this.refreshButtons();
    }
  }

  async clear() {
    const ok = await confirmDialog({
      title: `Remove the ${this.label} key?`,
      message: 'Jobs that need this provider will not start until you add a key again.',
      confirmLabel: 'Remove key',
      danger: true,
      testid: 'confirm-clear-key',
    });
    if (!ok) return;
    try {
      this.panel.update(await call('clear_key', this.name));
      this.input.value = '';
      this.result.hidden = true;
      toast(`${this.label} key removed`, { kind: 'success' });
    } catch (err) {
      toastError(err, `Could not remove the ${this.label} key.`);
    }
  }
}

/** The API keys tab content; `reload()` fetches key_status again. */
export class KeysPanel {
  constructor() {
    this.rows = new Map();
    this.list = h('div', { class: 'card fields', 'data-testid': 'key-list' });
    this.element = h('div', { class: 'panel-stack' },
      h('div', { class: 'panel-intro' }, h('h2', { text: 'API keys' }),
        h('p', { text: 'Keys are kept in the system keychain (or a private file) and never in the database, logs or exports. Saved keys are shown only masked.' })),
      this.list);
  }

  async reload() {
    this.update(await call('key_status'));
  }

  update(statuses) {
    for (const status of statuses) {
      const row = this.rows.get(status.name);
      if (row) row.update(status);
      else {
        const created = new KeyRow(status, this);
        this.rows.set(status.name, created);
        this.list.append(created.row);
      }
    }
  }
}
