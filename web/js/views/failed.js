/**
 * Failed Images Review: tabs with live counts, a grid (or list) of failed images with their reasons and retry
 * state, filters by job and failure reason, sort, selection across pages, approve / retry (original or
 * modified settings) / delete, the retry queue bar, and the review modal (Approve, Retry, Delete with keys).
 * Counts and the queue are polled every second while retries run, less often when idle.
 */

import { call } from '../bridge.js';
import { debounce, h } from '../dom.js';
import { FailedGrid } from '../failed/grid.js';
import { RetryQueueBar } from '../failed/queue_bar.js';
import { reviewActions } from '../failed/review_actions.js';
import { openRetryModal } from '../failed/retry_modal.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { notifyWhenAway } from '../ui/away_notice.js';
import { confirmDialog } from '../ui/dialog.js';
import { openImageModal } from '../ui/image_modal.js';
import { poll } from '../ui/poll.js';
import { emptyState, errorState, loadingState } from '../ui/states.js';
import { toast, toastError } from '../ui/toast.js';

// Tab names are filter values sent to list_failed (the server filters).
const TABS = [['failed', 'Failed'], ['retry_pending', 'Retry pending'], ['processing', 'Processing'], ['retry_failed', 'Retry failed'], ['all', 'All']];
const EMPTY = {
  failed: ['No failed images', 'Images that fail the quality check or a processing step wait here for review.'],
  retry_pending: ['Nothing waiting', 'Images you send to retry wait here until the retry worker takes them.'],
  processing: ['Nothing in progress', 'The image the retry worker is processing shows here.'],
  retry_failed: ['No failed retries', 'Retries that fail again land here with the reason.'],
  all: ['Nothing to review', 'Every image passed, or every failure has been dealt with.'],
};
const BUSY_POLL_MS = 1000;
const IDLE_POLL_MS = 4000;
const PAGE_SIZE = 48;
const SORTS = [['newest', 'Newest first'], ['oldest', 'Oldest first'], ['updated', 'Recently changed'], ['title', 'Title A–Z']];
const LAYOUT_KEY = 'gif.failed.layout';

class FailedView {
  constructor(root, tab) {
    this.root = root;
    this.tab = TABS.some(([t]) => t === tab) ? tab : 'failed';
    this.page = 1;
    this.pages = 1;
    this.total = 0;
    this.seq = 0;
    this.countsKey = '';
    this.grid = new FailedGrid({
      onSelect: () => this.syncSelection(),
      onOpen: (image, ids) => openImageModal({ ids, index: ids.indexOf(image.id), onChange: () => this.refresh(), review: reviewActions(() => this.refresh()) }),
      onAction: (name, image) => this.act(name, [image.id], [image]),
    });
    this.queue = new RetryQueueBar(() => this.refresh());
    this.searchSoon = debounce(() => { this.page = 1; this.load(); }, 300);
    this.render();
  }

  render() {
    this.tabs = new Map();
    this.counts = new Map();
    const tablist = h('div', { class: 'tabs-inline failed-tabs', role: 'tablist', 'aria-label': 'Image status', onKeydown: (e) => this.tabKeys(e) },
      TABS.map(([name, label]) => {
        const count = h('span', { class: 'count', 'data-testid': `failed-count-${name}`, text: '0' });
        const tab = h('button', { type: 'button', role: 'tab', 'data-testid': `failed-tab-${name}`, onClick: () => this.select(name) }, label, count);
        this.tabs.set(name, tab);
        this.counts.set(name, count);
        return tab;
      }));
    this.pageCheck = h('input', { type: 'checkbox', class: 'checkbox', 'aria-label': 'Select every image on this page', 'data-testid': 'failed-select-page', onChange: (e) => this.grid.select(this.grid.images().map((i) => i.id), e.target.checked) });
    this.selectedText = h('span', { class: 'selection-count', 'data-testid': 'failed-selected-count' });
    this.selectAll = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'failed-select-all', hidden: true, onClick: () => this.selectAllInTab() });
    this.clearSel = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'failed-clear-selection', text: 'Clear', hidden: true, onClick: () => this.grid.select([...this.grid.selection], false) });
    const bulk = (label, name, testid, iconName, cls = '') => h('button', { class: `btn btn-sm ${cls}`, type: 'button', 'data-testid': testid, disabled: true, onClick: () => this.act(name, [...this.grid.selection], this.grid.images().filter((i) => this.grid.selection.has(i.id))) }, icon(iconName), label);
    this.bulkButtons = [
      bulk('Delete', 'delete', 'failed-delete-selected', 'trash', 'btn-danger-ghost'),
      bulk('Approve', 'approve', 'failed-approve-selected', 'check'),
      bulk('Retry selected', 'retry', 'failed-retry-selected', 'refresh', 'btn-primary'),
    ];
    this.jobFilter = h('select', { class: 'select select-sm', 'aria-label': 'Filter by job', 'data-testid': 'failed-filter-job', onChange: () => this.filtersChanged() }, h('option', { value: '', text: 'All jobs' }));
    this.reasonFilter = h('select', { class: 'select select-sm', 'aria-label': 'Filter by failure reason', 'data-testid': 'failed-filter-reason', onChange: () => this.filtersChanged() }, h('option', { value: '', text: 'All reasons' }));
    this.sort = h('select', { class: 'select select-sm', 'aria-label': 'Sort', 'data-testid': 'failed-sort', onChange: () => this.filtersChanged() }, SORTS.map(([value, label]) => h('option', { value, text: label })));
    this.layoutButtons = new Map(['grid', 'list'].map((name) => [name, h('button', {
      class: 'btn btn-ghost btn-icon btn-sm', type: 'button', 'aria-pressed': 'false', title: name === 'grid' ? 'Grid view' : 'List view',
      'aria-label': name === 'grid' ? 'Grid view' : 'List view', 'data-testid': `failed-layout-${name}`, onClick: () => this.setLayout(name),
    }, icon(name === 'grid' ? 'grid' : 'rows'))]));
    this.search = h('input', { class: 'input', type: 'search', placeholder: 'Search images', 'aria-label': 'Search failed images', 'data-testid': 'failed-search', onInput: () => this.searchSoon() });
    this.pageInfo = h('span', { class: 'page-info', 'data-testid': 'failed-page-info' });
    this.prev = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'failed-prev', text: 'Previous', onClick: () => this.goto(this.page - 1) });
    this.next = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'failed-next', text: 'Next', onClick: () => this.goto(this.page + 1) });
    this.footer = h('div', { class: 'table-footer', hidden: true }, this.pageInfo, h('div', { class: 'toolbar' }, this.prev, this.next));
    this.body = h('div', { class: 'failed-body' }, loadingState('Loading images…'));
    this.root.replaceChildren(
      h('header', { class: 'view-header' },
        h('div', {}, h('h1', { text: 'Failed Images' }), h('p', { class: 'subtitle', text: 'Review what the quality check or processing rejected; approve, retry or delete.' }))),
      this.queue.element,
      h('section', { class: 'card failed-card-wrap' },
        tablist,
        h('div', { class: 'bulk-bar' },
          h('div', { class: 'toolbar' }, h('label', { class: 'check-row inline' }, this.pageCheck, this.selectedText), this.selectAll, this.clearSel),
          h('div', { class: 'toolbar' }, h('div', { class: 'filter-search' }, this.search), this.bulkButtons)),
        h('div', { class: 'bulk-bar failed-filters' },
          h('div', { class: 'toolbar' }, this.jobFilter, this.reasonFilter, this.sort),
          h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Layout' }, [...this.layoutButtons.values()])),
        this.body, this.footer));
    this.markTabs();
    this.syncSelection();
    this.setLayout(localStorage.getItem(LAYOUT_KEY) === 'list' ? 'list' : 'grid');
  }

  /** Show the images as a grid of cards or a compact list (remembered on this machine). */
  setLayout(name) {
    this.layout = name;
    localStorage.setItem(LAYOUT_KEY, name);
    this.grid.element.classList.toggle('is-list', name === 'list');
    this.grid.element.dataset.layout = name;
    for (const [layout, button] of this.layoutButtons) button.setAttribute('aria-pressed', String(layout === name));
  }

  /** The query of list_failed: filters, sort and page (the server filters and sorts). */
  query(page, pageSize) {
    const query = { search: this.search.value.trim(), page, page_size: pageSize, sort: this.sort.value, reason: this.reasonFilter.value };
    if (this.jobFilter.value) query.execution_ids = [Number(this.jobFilter.value)];
    return query;
  }

  filtersChanged() {
    this.page = 1;
    this.load();
  }

  /** Fill the job and reason menus from what the tab's images have (a choice no longer offered stays shown). */
  async loadFilters() {
    try {
      const data = await call('failed_filters', this.tab);
      const fill = (select, allLabel, options) => {
        const chosen = select.value;
        const items = options.map((o) => [String(o.value), `${o.label} (${o.count})`]);
        if (chosen && !items.some(([value]) => value === chosen)) items.push([chosen, select.selectedOptions[0]?.textContent || chosen]);
        select.replaceChildren(h('option', { value: '', text: allLabel }), ...items.map(([value, text]) => h('option', { value, text, selected: value === chosen })));
      };
      fill(this.jobFilter, 'All jobs', data.jobs.map((j) => ({ value: j.id, label: j.label || `Job ${j.id}`, count: j.count })));
      fill(this.reasonFilter, 'All reasons', data.reasons);
    } catch {
      // The menus keep their old choices; the list itself still works.
    }
  }

  markTabs() {
    for (const [name, tab] of this.tabs) {
      const isOn = name === this.tab;
      tab.setAttribute('aria-selected', String(isOn));
      tab.tabIndex = isOn ? 0 : -1;
    }
  }

  select(tab) {
    if (tab === this.tab) return;
    this.tab = tab;
    this.page = 1;
    this.grid.select([...this.grid.selection], false);
    this.markTabs();
    this.body.replaceChildren(loadingState('Loading images…'));
    this.load();
    this.loadFilters();
  }

  tabKeys(event) {
    const names = TABS.map(([n]) => n);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = names[(names.indexOf(this.tab) + step + names.length) % names.length];
    this.select(next);
    this.tabs.get(next).focus();
  }

  /** Load the shown page of the current tab (cards are reused, so a refresh does not jump). */
  async load() {
    this.seq += 1;
    const seq = this.seq;
    try {
      const data = await call('list_failed', this.tab, this.query(this.page, PAGE_SIZE));
      if (seq !== this.seq || this.isDestroyed) return;
      if (!data.items.length && data.total && this.page > 1) { this.page = data.pages; this.load(); return; }
      this.show(data);
    } catch (err) {
      if (seq === this.seq) this.body.replaceChildren(errorState(err, () => this.load()));
    }
  }

  show(data) {
    this.total = data.total;
    this.pages = data.pages;
    if (!data.total) {
      const isFiltered = this.search.value.trim() || this.jobFilter.value || this.reasonFilter.value;
      const [title, text] = isFiltered ? ['No matching images', 'Nothing in this tab matches the search and filters.'] : EMPTY[this.tab];
      this.body.replaceChildren(emptyState({ iconName: 'check', title, text, testid: 'failed-empty' }));
    } else if (this.grid.element.parentElement !== this.body) {
      this.body.replaceChildren(this.grid.element);
    }
    this.grid.show(data.items);
    this.footer.hidden = data.pages <= 1;
    const first = (data.page - 1) * data.page_size + 1;
    this.pageInfo.textContent = `${first}–${Math.min(data.total, data.page * data.page_size)} of ${data.total} · page ${data.page} of ${data.pages}`;
    this.prev.disabled = data.page <= 1;
    this.next.disabled = data.page >= data.pages;
    this.syncSelection();
  }

  goto(page) {
    this.page = Math.min(Math.max(1, page), this.pages);
    this.load();
  }

  syncSelection() {
    const n = this.grid.selection.size;
    const shown = this.grid.images();
    const onPage = shown.filter((i) => this.grid.selection.has(i.id)).length;
    this.selectedText.textContent = n ? `${plural(n, 'image')} selected` : 'Select all';
    this.pageCheck.checked = onPage > 0 && onPage === shown.length;
    this.pageCheck.indeterminate = onPage > 0 && onPage < shown.length;
    this.pageCheck.disabled = shown.length === 0;
    this.clearSel.hidden = n === 0;
    this.selectAll.hidden = !(this.total > n && onPage === shown.length && shown.length > 0 && this.pages > 1);
    this.selectAll.textContent = `Select all ${this.total} in this tab`;
    this.bulkButtons.forEach((b) => { b.disabled = n === 0; });
  }

  async selectAllInTab() {
    try {
      const ids = [];
      for (let page = 1; ; page += 1) {
        const data = await call('list_failed', this.tab, this.query(page, 200));
        ids.push(...data.items.map((i) => i.id));
        if (page >= data.pages) break;
      }
      this.grid.select(ids, true);
    } catch (err) {
      toastError(err, 'Could not select every image.');
    }
  }

  async act(name, ids, images) {
    if (!ids.length) return;
    if (name === 'retry') {
      if (await openRetryModal(ids, images)) { this.grid.select(ids, false); this.refresh(); }
    } else if (name === 'approve') {
      try {
        const result = await call('approve_images', ids);
        toast(`${plural(result.queued, 'image')} approved; processing and moving to the output folder`, { kind: 'success' });
        this.grid.select(ids, false);
      } catch (err) { toastError(err, 'Not approved.'); }
      this.refresh();
    } else if (name === 'delete') {
      const isSure = await confirmDialog({
        title: ids.length === 1 ? 'Delete this image?' : `Delete ${ids.length} images?`,
        message: 'The image records and their files are deleted. This cannot be undone.',
        confirmLabel: 'Delete', danger: true, testid: 'failed-delete-confirm',
      });
      if (!isSure) return;
      try {
        const result = await call('delete_images', ids, true);
        toast(`Deleted ${plural(result.deleted, 'image')}`, { kind: 'success' });
        this.grid.select(ids, false);
      } catch (err) { toastError(err, err.code === 'file_in_use' ? '' : 'Not deleted.'); }
      this.refresh();
    }
  }

  /** Start polling counts and the retry queue: every second while retries run, less often when idle. */
  startPolling() {
    this.poller = poll(() => this.poll(), {
      intervalMs: BUSY_POLL_MS, idleMs: IDLE_POLL_MS, immediate: false, root: this.root, isActive: (isBusy) => isBusy,
    });
  }

  /** Refresh now (after an action); the poll goes on at its pace. */
  refresh() {
    if (this.poller) this.poller.kick();
    else this.poll().catch(() => {});
  }

  /** Read counts and the retry queue; reload the list only when something changed; return whether retries run. */
  async poll() {
    if (this.isDestroyed) return false;
    const [counts, status] = await Promise.all([call('failed_counts'), call('retry_status')]);
    if (this.isDestroyed) return false;
    for (const [name, el] of this.counts) el.textContent = String(counts[name] ?? 0);
    this.queue.update(status);
    const key = JSON.stringify([counts, status.done, status.failed, status.current_image_id]);
    if (key !== this.countsKey) { this.countsKey = key; await Promise.all([this.load(), this.loadFilters()]); }
    this.grid.markCurrent(status.current_image_id);
    const isBusy = status.processing > 0 || status.queued > 0;
    // A batch of retries that ends while the window is in the background is told when the user comes back.
    if (this.wasBusy && !isBusy) notifyWhenAway(`Retries finished: ${counts.retry_failed ?? 0} failed retries wait for review.`, 'info');
    this.wasBusy = isBusy;
    return isBusy;
  }

  destroy() {
    this.isDestroyed = true;
    if (this.poller) this.poller.stop();
    this.searchSoon.cancel();
  }
}

/** Mount the review view into `root`. */
export async function mount(root) {
  const view = new FailedView(root, 'failed');
  await view.poll().catch(() => false); // a missed first read is retried by the poll
  view.startPolling();
  return { destroy: () => view.destroy() };
}
