/**
 * A modal with arbitrary content on the native <dialog> (Esc cancels, focus returns to the opener).
 *
 * Unlike ui/dialog.js (fixed message + buttons) the body is any nodes and an action may keep the modal open:
 * its `run()` (async) returns false to stay, anything else closes with the action's value.
 */

import { h, uniqueId } from '../dom.js';
import { icon } from '../icons.js';

/**
 * Open a modal; resolve with the closing action's value ("cancel" on Esc, the close button or Cancel).
 * actions: [{label, value, variant, testid, run?, isDefault?}]. Returns {result, close, dialog, setBusy}.
 */
export function openModal({ title, subtitle = '', body, actions = [], testid = 'modal', size = 'wide', cancelLabel = 'Cancel' }) {
  const previous = document.activeElement;
  const titleId = uniqueId('modal-title');
  let resolveResult;
  const result = new Promise((resolve) => { resolveResult = resolve; });
  const buttons = actions.map((action) => h('button', {
    class: `btn ${{ danger: 'btn-danger', primary: 'btn-primary' }[action.variant] || ''}`,
    type: 'button', 'data-testid': action.testid || null, text: action.label,
    onClick: () => activate(action),
  }));
  const cancel = h('button', { class: 'btn', type: 'button', 'data-testid': `${testid}-cancel`, text: cancelLabel, onClick: () => close('cancel') });
  const dialog = h('dialog', { class: `dialog modal modal-${size}`, 'aria-labelledby': titleId, 'data-testid': testid },
    h('div', { class: 'modal-head' },
      h('div', {}, h('h2', { id: titleId, text: title }), subtitle ? h('p', { class: 'modal-sub', text: subtitle }) : null),
      h('button', { class: 'btn btn-ghost btn-icon btn-sm', type: 'button', 'aria-label': 'Close', onClick: () => close('cancel') }, icon('close'))),
    h('div', { class: 'modal-body' }, body),
    h('div', { class: 'dialog-actions' }, cancel, buttons));

  let isClosed = false;
  function close(value) {
    if (isClosed) return;
    isClosed = true;
    dialog.close();
    dialog.remove();
    if (previous && typeof previous.focus === 'function' && previous.isConnected) previous.focus();
    resolveResult(value);
  }

  function setBusy(isBusy) {
    [...buttons, cancel].forEach((b) => { b.disabled = isBusy; });
  }

  async function activate(action) {
    if (!action.run) {
      close(action.value);
      return;
    }
    setBusy(true);
    let keep = false;
    try {
      keep = (await action.run()) === false;
    } finally {
      setBusy(false);
    }
    if (!keep) close(action.value);
  }

  dialog.addEventListener('cancel', (event) => { event.preventDefault(); close('cancel'); });
  document.body.append(dialog);
  dialog.showModal();
  // A destructive modal focuses Cancel, so Enter never deletes.
  const isDestructive = actions.some((a) => a.variant === 'danger');
  const preferred = isDestructive ? -1 : actions.findIndex((a) => a.isDefault);
  const focusTarget = dialog.querySelector('[autofocus]') || (preferred >= 0 ? buttons[preferred] : cancel);
  focusTarget.focus();
  return { result, close, dialog, setBusy };
}
