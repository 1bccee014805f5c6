/** The as-run settings of a job, grouped by section; steps that were off read "Not applied", muted. */

import { h } from '../dom.js';

const NOT_APPLIED = 'Not applied';

/** Return the settings card for get_job's settings_rows [{section, label, value}]. */
export function asRunSettings(rows) {
  const sections = new Map();
  for (const row of rows) {
    if (!sections.has(row.section)) sections.set(row.section, []);
    sections.get(row.section).push(row);
  }
  const hideOff = h('input', { type: 'checkbox', class: 'checkbox', 'data-testid': 'job-settings-hide-off' });
  const element = h('section', { class: 'card as-run', 'data-testid': 'job-settings' },
    h('div', { class: 'card-header' },
      h('div', {}, h('h2', { text: 'Settings used' }), h('p', { text: 'Exactly what this run used. Secrets are never stored.' })),
      h('label', { class: 'check-row inline' }, hideOff, h('span', { text: 'Hide “Not applied”' }))),
    h('div', { class: 'as-run-grid' }, [...sections].map(([section, items]) => h('div', { class: 'as-run-section', 'data-testid': 'job-settings-section' },
      h('h3', { text: section }),
      h('dl', {}, items.map((row) => {
        const isOff = row.value === NOT_APPLIED;
        return h('div', { class: `as-run-row${isOff ? ' is-off' : ''}`, 'data-testid': 'job-setting-row' },
          h('dt', { text: row.label }), h('dd', { class: isOff ? 'muted' : '', text: row.value, title: row.value }));
      }))))));
  hideOff.addEventListener('change', () => element.classList.toggle('hide-off', hideOff.checked));
  return element;
}
