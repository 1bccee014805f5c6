/** Dashboard: job controls, progress, statistics and live logs (the job runner fills these in). */

import { h } from '../dom.js';
import { icon } from '../icons.js';
import { emptyState } from '../ui/states.js';

function stat(label, testid) {
  return h('div', { class: 'card stat', 'data-testid': testid },
    h('div', { class: 'stat-label', text: label }),
    h('div', { class: 'stat-value is-empty', text: '—' }));
}

function progressRow(label, testid) {
  return h('div', { class: 'progress-row', 'data-testid': testid },
    h('div', { class: 'progress-meta' }, h('span', { text: label }), h('span', { text: '0%' })),
    h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 },
      h('span')));
}

/** Mount the dashboard into `root`. */
export function mount(root) {
  root.replaceChildren(
    h('header', { class: 'view-header' },
      h('div', {}, h('h1', { text: 'Dashboard' }),
        h('p', { class: 'subtitle', text: 'Turn a keyword file into finished, sellable images.' })),
      h('div', { class: 'toolbar' },
        h('button', { class: 'btn btn-danger-ghost', type: 'button', disabled: true, 'data-testid': 'job-force-stop', text: 'Force stop' }),
        h('button', { class: 'btn', type: 'button', disabled: true, 'data-testid': 'job-stop' }, icon('stop'), 'Stop'),
        h('button', { class: 'btn btn-primary', type: 'button', disabled: true, 'data-testid': 'job-start' }, icon('play'), 'Start job'))),
    h('div', { class: 'stats' },
      stat('Jobs run', 'stat-jobs'), stat('Images approved', 'stat-approved'),
      stat('Success rate', 'stat-success'), stat('Avg duration', 'stat-duration')),
    h('div', { class: 'card' },
      h('div', { class: 'card-header' }, h('div', {}, h('h2', { text: 'Progress' }), h('p', { text: 'Idle' }))),
      h('div', { class: 'card-body progress-group is-disabled' },
        progressRow('Current step', 'progress-step'), progressRow('Overall', 'progress-overall'))),
    h('div', { class: 'grid-2' },
      h('div', { class: 'card' },
        h('div', { class: 'card-header' }, h('h2', { text: 'Live log' })),
        emptyState({ iconName: 'terminal', title: 'Nothing running', text: 'Log lines appear here while a job runs.' })),
      h('div', { class: 'card' },
        h('div', { class: 'card-header' }, h('h2', { text: 'Approved images' })),
        emptyState({
          iconName: 'image',
          title: 'No images yet',
          text: 'Choose a keyword file and add your API keys in Settings, then start a job.',
          actions: [h('a', { class: 'btn', href: '#/settings/file_paths', text: 'Open Settings' })],
        }))),
  );
}
