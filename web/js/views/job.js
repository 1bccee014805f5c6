/** Single Job View: one run's overview, images and log (filled in by the jobs work). */

import { h } from '../dom.js';
import { emptyState } from '../ui/states.js';

/** Mount the view of job `params.id` into `root`. */
export function mount(root, params) {
  root.replaceChildren(
    h('header', { class: 'view-header' },
      h('div', {}, h('h1', { text: `Job ${params.id}` }),
        h('p', { class: 'subtitle' }, h('a', { href: '#/jobs', text: '← All jobs' })))),
    h('div', { class: 'card' },
      h('div', { class: 'tabs-inline', role: 'tablist', 'aria-label': 'Job sections' },
        ['Overview', 'Images', 'Log'].map((label, i) => h('button', {
          type: 'button', role: 'tab', 'aria-selected': i === 0 ? 'true' : 'false', disabled: i !== 0, text: label,
        }))),
      emptyState({
        iconName: 'list',
        title: 'Job not found',
        text: 'This job has no recorded run. It may have been deleted.',
        testid: 'job-missing',
        actions: [h('a', { class: 'btn', href: '#/jobs', text: 'Back to Jobs' })],
      })),
  );
}
