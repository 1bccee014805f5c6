/**
 * Form fields generated from a settings schema entry.
 *
 * A field is {setting, row, input, get(), set(value), setError(message)}. The input element carries
 * data-testid="field-<key>". `onInput(field)` fires on every edit; numbers are normalised on change/blur.
 */

import { h, uniqueId } from '../dom.js';

/** Parse a number input's text: a finite number, or the raw text so the backend can explain it. */
export function parseNumber(text) {
  const trimmed = String(text).trim();
  if (trimmed === '') return '';
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed;
}

function numberInput(setting, id) {
  const input = h('input', {
    class: 'input', type: 'number', id, inputmode: setting.kind === 'int' ? 'numeric' : 'decimal',
    min: setting.min ?? null, max: setting.max ?? null,
    step: setting.step ?? (setting.kind === 'int' ? 1 : 'any'),
    placeholder: setting.placeholder || null,
  });
  // A scroll over a focused number field must scroll the page, not change the value.
  input.addEventListener('wheel', () => { if (document.activeElement === input) input.blur(); }, { passive: true });
  return input;
}

function choiceInput(setting, id) {
  return h('select', { class: 'select', id },
    (setting.choices || []).map((choice) => h('option', { value: choice.value, text: choice.label })));
}

function pathControl(setting, id, { onBrowse, onClear }) {
  const input = h('input', {
    class: 'input', type: 'text', id, spellcheck: 'false', autocomplete: 'off',
    placeholder: setting.placeholder || (setting.kind === 'dir' ? 'Default folder' : 'No file chosen'),
  });
  const clear = h('button', {
    class: 'btn btn-ghost', type: 'button', text: 'Clear', 'data-testid': `field-clear-${setting.key}`,
    'aria-label': `Clear ${setting.label}`, onClick: onClear,
  });
  const wrap = h('div', { class: 'path-control' }, input,
    h('button', {
      class: 'btn', type: 'button', text: 'Browse…', 'data-testid': `field-browse-${setting.key}`,
      'aria-label': `Browse for ${setting.label}`, onClick: onBrowse,
    }),
    clear);
  // Clear has nothing to do on an empty path.
  const sync = () => { clear.disabled = input.value === ''; };
  input.addEventListener('input', sync);
  return { input, control: wrap, sync };
}

function buildInput(setting, id, handlers) {
  switch (setting.kind) {
    case 'bool':
      return { input: h('input', { class: 'switch', type: 'checkbox', role: 'switch', id }) };
    case 'int':
    case 'float':
      return { input: numberInput(setting, id) };
    case 'text':
      return { input: h('textarea', { class: 'textarea', id, rows: 3, spellcheck: 'false', placeholder: setting.placeholder || null }) };
    case 'choice':
      return { input: choiceInput(setting, id) };
    case 'file':
    case 'dir':
      return pathControl(setting, id, handlers);
    default:
      return {
        input: h('input', {
          class: 'input', type: setting.kind === 'url' ? 'url' : 'text', id, spellcheck: 'false',
          autocomplete: 'off', placeholder: setting.placeholder || null,
        }),
      };
  }
}

/** Build a labelled field row for one setting. handlers: {onInput, onBrowse, onPathChange}(field). */
export function createField(setting, handlers) {
  const id = uniqueId('field');
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const field = { setting };
  const { input, control, sync } = buildInput(setting, id, {
    onBrowse: () => handlers.onBrowse(field),
    onClear: () => { field.set(''); field.setNote(''); handlers.onInput(field); input.focus(); },
  });
  input.dataset.testid = `field-${setting.key}`;
  input.setAttribute('aria-describedby', setting.help ? `${helpId} ${errorId}` : errorId);
  const error = h('p', { class: 'field-error', id: errorId, 'data-testid': `field-error-${setting.key}`, 'aria-live': 'polite' });
  const isSwitch = setting.kind === 'bool';
  const isPath = setting.kind === 'file' || setting.kind === 'dir';
  const note = isPath ? h('p', { class: 'field-note', 'data-testid': `field-note-${setting.key}`, 'aria-live': 'polite' }) : null;
  const isWide = ['file', 'dir', 'text'].includes(setting.kind);

  field.input = input;
  field.row = h('div', { class: `field${isWide ? ' is-wide' : ''}`, 'data-key': setting.key },
    h('div', { class: 'field-text' },
      h('label', { class: 'field-label', for: id, text: setting.label }),
      setting.help ? h('p', { class: 'field-help', id: helpId, text: setting.help }) : null),
    h('div', { class: `field-control${isSwitch ? ' is-switch' : ''}` }, control || input, error, note));

  field.get = () => {
    if (isSwitch) return input.checked;
    if (setting.kind === 'int' || setting.kind === 'float') return parseNumber(input.value);
    return input.value;
  };
  field.set = (value) => {
    if (isSwitch) input.checked = Boolean(value);
    else input.value = value === null || value === undefined ? '' : String(value);
    if (sync) sync();
  };
  field.setError = (message) => {
    error.textContent = message || '';
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };

  /** Show a problem with the path (a warning, not a validation error: the file may appear later). */
  field.setNote = (message) => { if (note) note.textContent = message || ''; };

  const eventName = isSwitch || setting.kind === 'choice' ? 'change' : 'input';
  input.addEventListener(eventName, () => handlers.onInput(field));
  if (setting.kind === 'int' || setting.kind === 'float') {
    // Commit: show the number the way it will be stored (e.g. "007" -> "7") once the user leaves the field.
    input.addEventListener('change', () => {
      const value = field.get();
      if (typeof value === 'number') input.value = String(value);
      handlers.onInput(field);
    });
  }
  if (isPath) input.addEventListener('change', () => handlers.onPathChange(field));
  return field;
}
