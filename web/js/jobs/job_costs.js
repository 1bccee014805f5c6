/** The job view's cost breakdown: what each step cost per vendor and model (get_job's cost_breakdown). */

import { h } from '../dom.js';
import { money } from '../format.js';

export class JobCosts {
  constructor() {
    this.body = h('tbody', {});
    this.total = h('td', { class: 'col-num', 'data-testid': 'job-costs-total' });
    this.empty = h('p', { class: 'muted', 'data-testid': 'job-costs-empty', text: 'No paid call yet.' });
    this.table = h('table', { class: 'table costs-table', 'data-testid': 'job-costs-table' },
      h('thead', {}, h('tr', {}, ['Step', 'Vendor', 'Charges', 'Cost'].map((label, i) => h('th', { scope: 'col', class: i > 1 ? 'col-num' : '', text: label })))),
      this.body,
      h('tfoot', {}, h('tr', { class: 'costs-total' }, h('td', { colspan: 3, text: 'Total' }), this.total)));
    this.element = h('section', { class: 'card job-costs', 'data-testid': 'job-costs', 'aria-label': 'Cost breakdown' },
      h('div', { class: 'card-body' }, h('h2', { class: 'section-title', text: 'Cost breakdown' }),
        h('p', { class: 'field-help', text: 'Vendor-reported figures where the answer carried one; * marks figures from the price table.' }),
        this.empty, this.table));
  }

  /** Show the breakdown rows ({step, step_label, vendor, model, calls, amount, is_estimated}). */
  update(rows) {
    const list = rows || [];
    this.empty.hidden = list.length > 0;
    this.table.hidden = list.length === 0;
    this.body.replaceChildren(...list.map((row) => {
      const model = row.model && row.model !== '*' ? ` / ${row.model}` : '';
      return h('tr', { 'data-testid': `job-cost-${row.step}-${row.vendor}` },
        h('td', { text: row.step_label }),
        h('td', { text: `${row.vendor}${model}` }),
        h('td', { class: 'col-num', text: String(row.calls) }),
        h('td', { class: 'col-num', text: `${money(row.amount)}${row.is_estimated ? ' *' : ''}` }));
    }));
    this.total.textContent = money(list.reduce((sum, row) => sum + row.amount, 0));
  }
}
