/** Job Management: the list of job runs (filled in by the jobs work; empty state until then). */

import { h } from '../dom.js';
import { emptyState } from '../ui/states.js';

/** Mount the job list into `root`. */
export function mount(root) {
  root.replaceChildren(
    h('header', { class: 'view-header' },
      h('div', {}, h('h1', { text: 'Jobs' }),
        h('p', { class: 'subtitle', text: 'Every run with its status, images and exports.' })),
      h('div', { class: 'toolbar' },
        h('button', { class: 'btn', type: 'button', disabled: true, text: 'Rerun selected' }),
        h('button', { class: 'btn', type: 'button', disabled: true, text: 'Export selected' }))),
    h('div', { class: 'card' },
      h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Job', 'Status', 'Started', 'Duration', 'Images'].map((t) => h('th', { scope: 'col', text: t }))))),
      emptyState({
        iconName: 'list',
        title: 'No jobs yet',
        text: 'Start one from the Dashboard. Every run shows up here with its status, images and exports.',
        testid: 'jobs-empty',
        actions: [h('a', { class: 'btn btn-primary', href: '#/dashboard', text: 'Go to Dashboard' })],
      })),
  );
}
