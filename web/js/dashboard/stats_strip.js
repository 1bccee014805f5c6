/** The statistics strip: totals across every job (statistics()), updated in place. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { duration, formatCount, formatPercent, money } from '../format.js';

const TILES = [
  ['jobs', 'Jobs run', (s) => formatCount(s.total_jobs)],
  ['generated', 'Generated', (s) => formatCount(s.images_generated)],
  ['approved', 'Approved', (s) => formatCount(s.images_approved)],
  ['success', 'Success rate', (s) => (s.images_generated ? formatPercent(s.success_rate) : '—')],
  ['duration', 'Avg job time', (s) => (s.total_jobs ? duration(s.average_duration_s) : '—')],
  ['cost', 'Total cost', (s) => money(s.cost)],
];

export class StatsStrip {
  /** Build the strip with placeholder values. */
  constructor() {
    this.values = new Map();
    this.element = h('div', { class: 'dash-stats', 'data-testid': 'dash-stats' },
      TILES.map(([name, label]) => {
        const value = h('div', { class: 'stat-value is-empty', 'data-testid': `stat-${name}-value`, text: '—' });
        this.values.set(name, value);
        // The cost tile also says what today cost, across every job (the daily budget's count).
        const today = name === 'cost' ? (this.today = h('div', { class: 'stat-sub', 'data-testid': 'stat-cost-today', text: '' })) : null;
        return h('div', { class: 'card stat', 'data-testid': `stat-${name}` }, h('div', { class: 'stat-label', text: label }), value, today);
      }));
  }

  /** Fetch statistics() and show them; failures leave the old numbers. */
  async refresh() {
    try {
      const stats = await call('statistics');
      for (const [name, , render] of TILES) {
        const el = this.values.get(name);
        el.textContent = render(stats);
        el.classList.toggle('is-empty', el.textContent === '—');
      }
      this.today.textContent = `${money(stats.cost_today)} today`;
    } catch {
      // The strip is informative only; the next job's end refreshes it again.
    }
  }
}
