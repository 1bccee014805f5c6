/**
 * The review modal's actions for Failed Images Review: Approve (A), Retry with the job's settings (R) and
 * Delete (Delete, asked first with Cancel focused); after Approve or Retry the next image is shown. A
 * "Retries" tab lists the image's retry history (every retry_task row) and follows a retry in progress.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { icon } from '../icons.js';
import { openDialog } from '../ui/dialog.js';
import { deleteShortcut, isDeleteKey, isMac } from '../ui/keys.js';
import { poll } from '../ui/poll.js';
import { toast, toastError } from '../ui/toast.js';

const FOLLOW_MS = 1000;
export const RETRY_STATE_LABELS = { queued: 'Queued', running: 'Running', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };
const STATE_TONES = { queued: 'badge-warning', running: 'badge-accent', done: 'badge-success', failed: 'badge-danger', cancelled: '' };

/** Return a badge for a retry state (queued / running / done / failed / cancelled). */
export function retryStateBadge(state, testid = null) {
  return h('span', { class: `badge ${STATE_TONES[state] || ''}`, 'data-testid': testid, 'data-state': state, text: RETRY_STATE_LABELS[state] || state });
}

function historyList(tasks) {
  if (!tasks.length) return h('p', { class: 'muted', 'data-testid': 'retry-history-empty', text: 'This image has not been retried yet.' });
  return h('ol', { class: 'retry-history', 'data-testid': 'retry-history' }, tasks.map((task) => h('li', { class: 'retry-history-row', 'data-testid': 'retry-history-row', 'data-state': task.state },
    h('div', { class: 'retry-history-head' }, retryStateBadge(task.state), h('strong', { text: task.mode_label })),
    h('div', { class: 'muted', text: `Queued ${dateTime(task.created_at)} · last change ${dateTime(task.updated_at)}` }),
    task.error ? h('div', { class: 'retry-history-error', text: task.error }) : null)));
}

/** Return the `review` hooks of openImageModal; `onChange()` runs after each action (the page refreshes). */
export function reviewActions(onChange) {
  let buttons = null;

  async function act(modal, method, args, done) {
    const image = modal.image;
    if (!image) return;
    try {
      await call(method, ...args);
      toast(done, { kind: 'success' });
      onChange();
    } catch (err) {
      toastError(err, 'Nothing was done.');
      return;
    }
    // On to the next image; at the last one, show this one's new status.
    if (modal.index < modal.ids.length - 1) await modal.go(1);
    else await modal.load();
  }

  const approve = (modal) => modal.image?.can_approve && act(modal, 'approve_images', [[modal.image.id]], 'Approved: processing and moving to the output folder');
  const retry = (modal) => modal.image?.can_retry && act(modal, 'retry_images', [[modal.image.id], 'original'], 'Retry queued with the job’s settings');

  async function remove(modal) {
    if (!modal.image?.can_delete) return;
    // Cancel has the focus: a second press of Delete or Enter does not delete by accident.
    const choice = await openDialog({
      title: 'Delete this image?', message: 'The image record and its files are deleted. This cannot be undone.',
      tone: 'danger', testid: 'review-delete-confirm',
      actions: [{ label: 'Delete', value: 'delete', variant: 'danger', testid: 'review-delete-confirm-ok' }],
    });
    if (choice !== 'delete') return;
    await modal.deleteCurrent();
    onChange();
  }

  function renderHistory(modal) {
    const box = h('div', { class: 'retry-history-box', 'data-testid': 'modal-retry-history' }, h('p', { class: 'muted', text: 'Loading…' }));
    const id = modal.image?.id;
    let isFollowing = false;
    // Read the history; return whether a retry is in progress (then it is read again until it ends).
    const show = async () => {
      const tasks = await call('retry_history', id);
      if (modal.image?.id !== id) return false;
      box.replaceChildren(historyList(tasks));
      const isInProgress = tasks.length > 0 && ['queued', 'running'].includes(tasks[0].state);
      // The modal's copy still says "in retry" while the history says it ended (it may end before the first
      // read): either way the retry ended, so show the image's new status.
      const isStale = !isInProgress && tasks.length > 0 && Boolean(modal.image?.is_in_retry);
      if ((isFollowing && !isInProgress) || isStale) {
        await modal.load();
        onChange();
      }
      isFollowing = isInProgress;
      return isInProgress;
    };
    // The loop ends with the tab or the modal (root leaves the document) or when no retry is in progress.
    poll(show, {
      intervalMs: FOLLOW_MS, idleMs: null, root: box, immediate: false, isActive: (isInProgress) => isInProgress,
      onError: (err) => box.replaceChildren(h('p', { class: 'field-error', text: err.message })),
    });
    show().catch((err) => box.replaceChildren(h('p', { class: 'field-error', text: err.message })));
    return box;
  }

  return {
    buttons(modal) {
      const button = (label, key, testid, run, extra = '') => h('button', {
        class: `btn btn-sm ${extra}`, type: 'button', title: `${label} (${key})`, 'aria-keyshortcuts': key, 'data-testid': testid, onClick: () => run(modal),
      }, label);
      buttons = {
        approve: button('Approve', 'A', 'modal-approve', approve),
        retry: button('Retry', 'R', 'modal-retry', retry),
        delete: h('button', { class: 'btn btn-sm btn-danger-ghost', type: 'button', title: `Delete (${isMac() ? '⌫' : 'Delete'})`, 'aria-keyshortcuts': deleteShortcut(), 'data-testid': 'modal-review-delete', onClick: () => remove(modal) }, icon('trash'), 'Delete'),
      };
      return [buttons.approve, buttons.retry, buttons.delete];
    },
    paint(modal) {
      // What may be done comes from the flags the API sends with the image.
      buttons.approve.disabled = !modal.image.can_approve;
      buttons.retry.disabled = !modal.image.can_retry;
      buttons.delete.disabled = !modal.image.can_delete;
    },
    handleKey(event, modal) {
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      if (key === 'a') approve(modal);
      else if (key === 'r') retry(modal);
      else if (isDeleteKey(event)) remove(modal);  // Backspace too on macOS
      else return false;
      return true;
    },
    tabs: [['retries', 'Retries', renderHistory]],
  };
}
