/**
 * The packaged price table, read-only, under Settings → Advanced: what each vendor and model costs, where
 * the figure comes from and when it was checked. The override field above it replaces rows by vendor/model.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { money } from '../format.js';

const UNIT_LABELS = {
  image: 'per image', task: 'per task (4 images)', input_1m: 'per 1M input tokens',
  output_1m: 'per 1M output tokens', credit: 'per credit',
};

function conditions(when) {
  const parts = Object.entries(when || {}).map(([name, value]) => `${name} ${value}`);
  return parts.length ? parts.join(', ') : 'any';
}

function row(entry) {
  return h('tr', { 'data-testid': 'price-row' },
    h('td', { text: `${entry.vendor}/${entry.model}` }),
    h('td', { text: conditions(entry.when) }),
    h('td', { text: `${money(entry.amount)} ${UNIT_LABELS[entry.unit] || entry.unit}` }),
    h('td', {},
      // Plain text, not a link: a link would navigate the app's own window away from the app.
      h('span', { class: 'price-source', text: entry.source }),
      ` · ${entry.checked}`,
      entry.is_verified ? '' : h('span', { class: 'is-unverified', text: ' · not verified', title: entry.note || 'Quoted by a third party, not confirmed on the vendor\u2019s own page.' })));
}

/** Return the price table element; it fills itself from the Api. */
export function priceTable() {
  const body = h('tbody', {});
  const element = h('details', { class: 'advanced-group price-table', 'data-testid': 'price-table' },
    h('summary', { text: 'Price table (read-only)' }),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Vendor/model', 'When', 'Price (USD)', 'Source'].map((t) => h('th', { text: t })))),
      body));
  call('price_table')
    .then((data) => body.replaceChildren(...data.entries.map(row)))
    .catch((err) => body.replaceChildren(h('tr', {}, h('td', { colspan: 4, class: 'field-error', text: err.message }))));
  return element;
}
