/** The Dashboard's recent jobs: the last five runs with their outcome, a link to each and Rerun. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { plural, shortDateTime } from '../format.js';
import { icon } from '../icons.js';
import { rerunJobs } from '../jobs/actions.js';
import { jobBadge } from '../ui/badges.js';

const SHOWN = 5;

export class RecentJobs {
  /** hooks: {onRerun(execution)} after a rerun was queued. */
  constructor(hooks) {
    this.hooks = hooks;
    this.list = h('ul', { class: 'recent-jobs-list', 'data-testid': 'recent-jobs-list' });
    this.element = h('section', { class: 'card recent-jobs', 'data-testid': 'recent-jobs', hidden: true, 'aria-labelledby': 'recent-jobs-title' },
      h('div', { class: 'card-header' }, h('h2', { id: 'recent-jobs-title', text: 'Recent jobs' }), h('a', { class: 'btn btn-ghost btn-sm', href: '#/jobs', text: 'All jobs' })),
      this.list);
  }

  /** Read the newest jobs; return how many jobs exist in all. */
  async refresh() {
    const page = await call('list_jobs', { sort: 'newest', page_size: SHOWN });
    this.list.replaceChildren(...page.items.map((job) => this.row(job)));
    this.element.hidden = page.items.length === 0;
    return page.total;
  }

  row(job) {
    const rerun = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `recent-rerun-${job.id}`, hidden: !job.can_rerun, onClick: () => this.rerun(job, rerun) }, icon('refresh'), 'Rerun');
    return h('li', { class: 'recent-job', 'data-testid': `recent-job-${job.id}` },
      h('a', { class: 'recent-job-label', href: `#/jobs/${job.id}`, text: job.label || `Job ${job.id}` }),
      jobBadge(job, `recent-status-${job.id}`),
      h('span', { class: 'muted recent-job-meta', text: `${plural(job.approved ?? 0, 'image')} approved · ${shortDateTime(job.created_at)}` }),
      rerun);
  }

  async rerun(job, button) {
    button.disabled = true;
    const [created] = await rerunJobs([job.id]);
    button.disabled = false;
    if (created) this.hooks.onRerun(created);
  }
}
