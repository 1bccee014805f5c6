/** The job view's summary: status, times, duration, image counts, cost and the error, updated in place. */

import { h } from '../dom.js';
import { duration, money, shortDateTime } from '../format.js';
import { banner } from '../ui/states.js';

const TILES = [
  ['started', 'Started'], ['finished', 'Finished'], ['duration', 'Duration'], ['cost', 'Cost'],
  ['approved', 'Approved'], ['qc_failed', 'Failed QC'], ['processing_failed', 'Failed processing'], ['generated', 'Generated'],
];

export class JobSummary {
  constructor() {
    this.values = new Map();
    this.errorSlot = h('div', { class: 'job-error-slot' });
    this.element = h('section', { class: 'job-summary', 'data-testid': 'job-summary', 'aria-label': 'Summary' },
      this.errorSlot,
      h('div', { class: 'summary-grid' }, TILES.map(([key, label]) => {
        const value = h('div', { class: 'summary-value', 'data-testid': `job-summary-${key}` });
        this.values.set(key, value);
        return h('div', { class: 'summary-tile' }, h('div', { class: 'stat-label', text: label }), value);
      })));
    this.shownError = null;
  }

  /** Show an execution's figures. */
  update(job) {
    const set = (key, text) => { const el = this.values.get(key); if (el.textContent !== text) el.textContent = text; };
    set('started', shortDateTime(job.started_at));
    set('finished', job.finished_at ? shortDateTime(job.finished_at) : job.is_running ? 'Running…' : '—');
    set('duration', duration(job.duration_s));
    set('cost', money(job.cost));
    set('approved', `${job.approved} of ${job.planned}`);
    set('qc_failed', String(job.qc_failed));
    set('processing_failed', String(job.processing_failed));
    set('generated', String(job.generated));
    if (job.error !== this.shownError) {
      this.shownError = job.error;
      // A spending cap's stop is a warning (resume with a higher cap), not a failure.
      const tone = job.stop_reason ? 'warning' : 'danger';
      this.errorSlot.replaceChildren(job.error ? banner(job.error, { tone, testid: 'job-error' }) : '');
    }
  }
}
