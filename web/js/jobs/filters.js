/** The job list's filter bar: status multi-select, date range, search, "has a queued rerun", sort, page size. */

import { debounce, h } from '../dom.js';
import { statusWord } from '../format.js';

// Filter values sent to list_jobs (the server filters); nothing here decides anything from them.
const STATUSES = ['queued', 'running', 'completed', 'failed', 'stopped', 'interrupted', 'cancelled'];
const SORTS = [['newest', 'Newest first'], ['oldest', 'Oldest first'], ['name', 'Name (A–Z)'], ['duration', 'Longest first'], ['images', 'Most images']];
const PAGE_SIZES = [25, 50, 100];
const SEARCH_DELAY_MS = 300;

export class JobFilters {
  /** Build the bar; `onChange()` fires after any change (search debounced). */
  constructor(onChange) {
    this.onChange = onChange;
    this.statuses = new Set();
    this.searchSoon = debounce(() => this.onChange(), SEARCH_DELAY_MS);
    this.element = this.render();
  }

  render() {
    this.statusSummary = h('span', { text: 'All statuses' });
    this.statusMenu = h('details', { class: 'menu', 'data-testid': 'jobs-filter-status' },
      h('summary', { class: 'btn menu-button', 'aria-label': 'Filter by status' }, this.statusSummary),
      h('div', { class: 'menu-panel', role: 'group', 'aria-label': 'Statuses' },
        STATUSES.map((s) => h('label', { class: 'check-row' },
          h('input', { type: 'checkbox', class: 'checkbox', value: s, 'data-testid': `jobs-status-${s}`, onChange: (e) => this.toggleStatus(s, e.target.checked) }),
          h('span', { text: statusWord(s) })))));
    // A click outside or Esc closes the status menu like a native select.
    document.addEventListener('click', this.outside = (event) => {
      if (this.statusMenu.open && !this.statusMenu.contains(event.target)) this.statusMenu.open = false;
    });
    this.statusMenu.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.statusMenu.open) { event.stopPropagation(); this.statusMenu.open = false; this.statusMenu.querySelector('summary').focus(); }
    });
    this.search = h('input', {
      class: 'input', type: 'search', placeholder: 'Search label or id', 'aria-label': 'Search jobs', 'data-testid': 'jobs-search',
      onInput: () => this.searchSoon(),
    });
    this.from = h('input', { class: 'input', type: 'date', 'aria-label': 'Created from', 'data-testid': 'jobs-date-from', onChange: () => this.onChange() });
    this.to = h('input', { class: 'input', type: 'date', 'aria-label': 'Created until', 'data-testid': 'jobs-date-to', onChange: () => this.onChange() });
    this.queuedRerun = h('input', { type: 'checkbox', class: 'checkbox', 'data-testid': 'jobs-filter-queued-rerun', onChange: () => this.onChange() });
    this.sort = h('select', { class: 'select', 'aria-label': 'Sort', 'data-testid': 'jobs-sort', onChange: () => this.onChange() },
      SORTS.map(([value, label]) => h('option', { value, text: label })));
    // Shown by the view beside the pager.
    this.pageSize = h('select', { class: 'select page-size-select', 'aria-label': 'Jobs per page', 'data-testid': 'jobs-page-size', onChange: () => this.onChange() },
      PAGE_SIZES.map((n) => h('option', { value: String(n), text: `${n} per page` })));
    this.clear = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', text: 'Clear filters', 'data-testid': 'jobs-clear-filters', onClick: () => this.reset() });
    return h('div', { class: 'filter-bar' },
      h('div', { class: 'filter-search' }, this.search),
      this.statusMenu,
      h('div', { class: 'date-range' }, this.from, h('span', { class: 'muted', text: '–' }), this.to),
      h('label', { class: 'check-row inline' }, this.queuedRerun, h('span', { text: 'Has queued rerun' })),
      h('div', { class: 'filter-end' }, this.clear, this.sort));
  }

  toggleStatus(status, isOn) {
    if (isOn) this.statuses.add(status);
    else this.statuses.delete(status);
    const chosen = STATUSES.filter((s) => this.statuses.has(s));
    this.statusSummary.textContent = chosen.length === 0 ? 'All statuses'
      : chosen.length <= 2 ? chosen.map(statusWord).join(', ') : `${chosen.length} statuses`;
    this.statusMenu.classList.toggle('is-set', chosen.length > 0);
    this.onChange();
  }

  /** Return true when any filter (not sort or page size) narrows the list. */
  isFiltered() {
    return this.statuses.size > 0 || this.search.value.trim() !== '' || this.from.value !== '' || this.to.value !== '' || this.queuedRerun.checked;
  }

  /** Clear every filter (keeps sort and page size). */
  reset() {
    this.statuses.clear();
    this.statusMenu.querySelectorAll('input').forEach((i) => { i.checked = false; });
    this.statusSummary.textContent = 'All statuses';
    this.statusMenu.classList.remove('is-set');
    this.search.value = '';
    this.from.value = '';
    this.to.value = '';
    this.queuedRerun.checked = false;
    this.onChange();
  }

  /** Return the list_jobs query without the page number. */
  query() {
    this.clear.hidden = !this.isFiltered();
    return {
      status: [...this.statuses], date_from: this.from.value || null, date_to: this.to.value || null,
      search: this.search.value.trim(), has_queued_rerun: this.queuedRerun.checked,
      sort: this.sort.value, page_size: Number(this.pageSize.value),
    };
  }

  /** Remove document listeners. */
  destroy() {
    this.searchSoon.cancel();
    document.removeEventListener('click', this.outside);
  }
}
