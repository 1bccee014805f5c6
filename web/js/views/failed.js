/** Failed Images Review: images that failed QC or processing, with retry (filled in by the review work). */

import { h } from '../dom.js';
import { emptyState } from '../ui/states.js';

const TABS = ['Failed', 'Retry pending', 'Processing', 'Retry failed', 'All'];

/** Mount the review view into `root`. */
export function mount(root) {
  root.replaceChildren(
    h('header', { class: 'view-header' },
      h('div', {}, h('h1', { text: 'Failed Images' }),
        h('p', { class: 'subtitle', text: 'Review what the quality check or processing rejected; approve or retry.' })),
      h('div', { class: 'toolbar' },
        h('button', { class: 'btn', type: 'button', disabled: true, text: 'Approve selected' }),
        h('button', { class: 'btn btn-primary', type: 'button', disabled: true, text: 'Retry selected' }))),
    h('div', { class: 'card' },
      h('div', { class: 'card-body', style: null },
        h('div', { class: 'tabs-inline', role: 'tablist', 'aria-label': 'Image status' },
          TABS.map((label, i) => h('button', {
            type: 'button', role: 'tab', 'aria-selected': i === 0 ? 'true' : 'false', disabled: i !== 0,
          }, label, h('span', { class: 'count', text: '0' })))),
        emptyState({
          iconName: 'check',
          title: 'No failed images',
          text: 'Images that fail the quality check or a processing step wait here for review.',
          testid: 'failed-empty',
        }))),
  );
}
