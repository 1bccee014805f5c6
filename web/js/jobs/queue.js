/** The job queue: jobs waiting to run, in run order, each with Cancel. Hidden while the queue is empty. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { dateTime, plural } from '../format.js';
import { icon } from '../icons.js';
import { toast, toastError } from '../ui/toast.js';

export class QueuePanel {
  /** Build the panel; `onChange()` fires after a cancel so the list can refresh. */
  constructor(onChange) {
    this.onChange = onChange;
    this.count = h('span', { class: 'count', 'data-testid': 'jobs-queue-count', text: '0' });
    this.list = h('ol', { class: 'queue-list', 'data-testid': 'jobs-queue-list' });
    this.element = h('section', { class: 'card queue-card', 'data-testid': 'jobs-queue', hidden: true, 'aria-label': 'Job queue' },
      h('div', { class: 'card-header' },
        h('div', { class: 'queue-title' }, icon('clock'), h('h2', { text: 'Up next' }), this.count),
        h('p', { text: 'Queued jobs run one after another, in this order.' })),
      this.list);
    this.shownIds = '';
  }

  /** Show the queue (from get_queue or get_progress().queue); rebuilt only when its order changes. */
  show(queue) {
    this.element.hidden = queue.length === 0;
    this.count.textContent = String(queue.length);
    const ids = queue.map((j) => j.id).join(',');
    if (ids === this.shownIds) return;
    this.shownIds = ids;
    this.list.replaceChildren(...queue.map((job, i) => h('li', { class: 'queue-item', 'data-testid': `queue-item-${job.id}` },
      h('span', { class: 'queue-pos', text: String(i + 1) }),
      h('a', { class: 'job-link', href: `#/jobs/${job.id}`, text: job.label }),
      h('span', { class: 'muted', text: `${plural(job.planned, 'image')} · queued ${dateTime(job.created_at)}` }),
      h('button', {
        class: 'btn btn-sm btn-danger-ghost', type: 'button', 'data-testid': `queue-cancel-${job.id}`, 'aria-label': `Cancel ${job.label}`, hidden: !job.can_cancel,
        onClick: (e) => this.cancel(job, e.currentTarget),
      }, 'Cancel'))));
  }

  async cancel(job, button) {
    button.disabled = true;
    try {
      await call('cancel_queued', job.id);
      toast(`“${job.label}” taken out of the queue`, { kind: 'success' });
    } catch (err) {
      toastError(err, 'Could not cancel.');
      button.disabled = false;
    }
    this.onChange();
  }
}
