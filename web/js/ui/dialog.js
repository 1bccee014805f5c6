/** Modal dialogs on the native <dialog>: focus trap, Esc cancels, Enter activates the focused default. */

import { h } from '../dom.js';
import { icon } from '../icons.js';

/**
 * Open a modal and resolve with the chosen action's value ("cancel" on Esc or Cancel).
 * actions: [{label, value, variant: "primary"|"danger"|"secondary", testid, isDefault}]
 */
export function openDialog({ title, message, actions, tone = 'info', testid = 'dialog' }) {
  return new Promise((resolve) => {
    const previous = document.activeElement;
    const titleId = `dlg-title-${Date.now()}`;
    const buttons = [
      h('button', { class: 'btn', type: 'submit', value: 'cancel', 'data-testid': `${testid}-cancel`, text: 'Cancel' }),
      ...actions.map((action) => h('button', {
        class: `btn ${action.variant === 'danger' ? 'btn-danger' : action.variant === 'primary' ? 'btn-primary' : ''}`,
        type: 'submit',
        value: action.value,
        'data-testid': action.testid || null,
        text: action.label,
      })),
    ];
    const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId, 'data-testid': testid },
      h('form', { method: 'dialog' },
        h('div', { class: 'dialog-body' },
          h('div', { class: `dialog-icon${tone === 'danger' ? ' is-danger' : ''}` }, icon(tone === 'danger' ? 'alert' : 'info')),
          h('div', {}, h('h2', { id: titleId, text: title }), h('p', { text: message }))),
        h('div', { class: 'dialog-actions' }, buttons)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (previous && typeof previous.focus === 'function') previous.focus();
      resolve(dialog.returnValue || 'cancel');
    });
    document.body.append(dialog);
    dialog.showModal();
    // Enter submits the default action: the default button takes focus when the dialog opens. A destructive
    // dialog focuses Cancel instead, so Enter never deletes or resets.
    const index = tone === 'danger' ? -1 : actions.findIndex((action) => action.isDefault && action.variant !== 'danger');
    (buttons[index >= 0 ? index + 1 : 0]).focus();
  });
}

/** Ask a yes/no question; resolve true when the user confirms. */
export async function confirmDialog({ title, message, confirmLabel = 'OK', danger = false, testid = 'confirm' }) {
  const choice = await openDialog({
    title,
    message,
    tone: danger ? 'danger' : 'info',
    testid,
    actions: [{
      label: confirmLabel, value: 'confirm', variant: danger ? 'danger' : 'primary', testid: `${testid}-ok`, isDefault: true,
    }],
  });
  return choice === 'confirm';
}
