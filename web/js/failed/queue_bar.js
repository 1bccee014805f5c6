/** The retry queue bar: processing / queued / done / failed counts and the queued tasks, each cancellable. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { toast, toastError } from '../ui/toast.js';

const FIGURES = [['processing', 'Processing'], ['queued', 'Queued'], ['done', 'Done'], ['failed', 'Failed']];
const MODES = { original: 'original settings', modified: 'modified settings', approve: 'manual approve' };

export class RetryQueueBar {
  /** `onChange()` fires after a cancel. */
  constructor(onChange) {
    this.onChange = onChange;
    this.figures = new Map();
    this.state = h('span', { class: 'queue-state', 'data-testid': 'retry-state' });
    this.spinner = h('span', { class: 'spinner spinner-sm', 'aria-hidden': 'true', hidden: true });
    this.pendingCount = h('span', { class: 'count', text: '0' });
    this.pendingList = h('ul', { class: 'pending-list', 'data-testid': 'retry-pending-list' });
    this.pending = h('details', { class: 'pending', hidden: true, 'data-testid': 'retry-pending' },
      h('summary', {}, 'Queued retries ', this.pendingCount), this.pendingList);
    this.element = h('section', { class: 'retry-bar card', 'data-testid': 'retry-status', 'aria-label': 'Retry queue' },
      h('div', { class: 'retry-bar-main' },
        h('div', { class: 'retry-bar-title' }, this.spinner, h('strong', { text: 'Retry queue' }), this.state),
        h('dl', { class: 'retry-figures' }, FIGURES.map(([key, label]) => {
          const value = h('dd', { 'data-testid': `retry-status-${key}`, text: '0' });
          this.figures.set(key, value);
          return h('div', { class: `retry-figure is-${key}` }, h('dt', { text: label }), value);
        }))),
      this.pending);
    this.shownTasks = '';
  }

  /** Show retry_status() in place. */
  update(status) {
    for (const [key, el] of this.figures) {
      const text = String(status[key] ?? 0);
      if (el.textContent !== text) el.textContent = text;
    }
    const isBusy = status.processing > 0 || status.queued > 0;
    this.spinner.hidden = !isBusy;
    this.element.classList.toggle('is-busy', isBusy);
    this.state.textContent = status.current_image_id ? `working on image ${status.current_image_id}` : isBusy ? 'waiting to start' : 'idle';
    const tasks = status.pending_tasks || [];
    this.pending.hidden = tasks.length === 0;
    this.pendingCount.textContent = String(tasks.length);
    const key = tasks.map((t) => t.task_id).join(',');
    if (key === this.shownTasks) return;
    this.shownTasks = key;
    this.pendingList.replaceChildren(...tasks.map((task) => h('li', { 'data-testid': `retry-task-${task.task_id}` },
      h('span', {}, `Image ${task.image_id}`, h('span', { class: 'muted', text: ` · ${MODES[task.mode] || task.mode}` })),
      h('button', { class: 'btn btn-sm btn-danger-ghost', type: 'button', 'data-testid': `retry-cancel-${task.task_id}`, onClick: (e) => this.cancel(task, e.currentTarget) }, 'Cancel'))));
  }

  async cancel(task, button) {
    button.disabled = true;
    try {
      await call('cancel_retry', task.task_id);
      toast(`Retry of image ${task.image_id} cancelled`, { kind: 'success' });
    } catch (err) {
      toastError(err, 'Could not cancel.');
      button.disabled = false;
    }
    this.onChange();
  }
}
