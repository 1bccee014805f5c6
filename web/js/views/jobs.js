/**
 * Job Management: executions filtered, sorted and paged on the server; a selection kept across pages;
 * bulk rerun/export/delete; row actions; the job queue; quiet auto-refresh while something runs.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { plural } from '../format.js';
import { icon } from '../icons.js';
import { deleteJobs, renameJob, rerunJobs, resumeJob } from '../jobs/actions.js';
import { exportJobsZip, exportJobXlsx } from '../jobs/exports.js';
import { JobFilters } from '../jobs/filters.js';
import { QueuePanel } from '../jobs/queue.js';
import { JobsTable } from '../jobs/table.js';
import { isDeleteKey } from '../ui/keys.js';
import { poll } from '../ui/poll.js';
import { emptyState, errorState, loadingState } from '../ui/states.js';
import { toastError } from '../ui/toast.js';

const FAST_POLL_MS = 1500;
const SLOW_POLL_MS = 5000;
const ID_PAGE = 200;

class JobsView {
  constructor(root) {
    this.root = root;
    this.page = 1;
    this.total = 0;
    this.pages = 1;
    this.selection = new Set();
    this.labels = new Map();
    this.loadSeq = 0;
    this.filters = new JobFilters(() => { this.page = 1; this.load(); });
    this.table = new JobsTable(this.selection, { onSelect: () => this.syncSelection(), onAction: (name, job) => this.act(name, job) });
    this.queue = new QueuePanel(() => this.load());
    this.render();
    root.addEventListener('keydown', (event) => this.keys(event));
  }

  render() {
    const bulk = (label, name, testid, variant = '') => h('button', { class: `btn btn-sm ${variant}`, type: 'button', 'data-testid': testid, disabled: true, onClick: () => this.bulk(name) }, icon({ rerun: 'refresh', export: 'download', delete: 'trash' }[name]), label);
    this.bulkButtons = [
      bulk('Rerun', 'rerun', 'jobs-bulk-rerun'), bulk('Export ZIP', 'export', 'jobs-bulk-export'),
      bulk('Delete', 'delete', 'jobs-bulk-delete', 'btn-danger-ghost'),
    ];
    this.selectedText = h('span', { class: 'selection-count', 'data-testid': 'jobs-selection-count', text: 'No jobs selected' });
    this.selectAll = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'jobs-select-all-matching', hidden: true, onClick: () => this.selectAllMatching() });
    this.clearSel = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'jobs-clear-selection', text: 'Clear selection', hidden: true, onClick: () => { this.selection.clear(); this.table.syncChecks(); this.syncSelection(); } });
    this.pageInfo = h('span', { class: 'page-info', 'data-testid': 'jobs-page-info', 'aria-live': 'polite' });
    this.prev = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'jobs-prev', text: 'Previous', onClick: () => this.goto(this.page - 1) });
    this.next = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'jobs-next', text: 'Next', onClick: () => this.goto(this.page + 1) });
    this.body = h('div', { class: 'table-wrap' }, loadingState('Loading jobs…'));
    this.footer = h('div', { class: 'table-footer' }, this.pageInfo, h('div', { class: 'toolbar' }, this.filters.pageSize, this.prev, this.next));
    this.root.replaceChildren(
      h('header', { class: 'view-header' },
        h('div', {}, h('h1', { text: 'Jobs' }), h('p', { class: 'subtitle', text: 'Every run with its status, images, cost and exports.' })),
        h('div', { class: 'toolbar' }, h('a', { class: 'btn btn-primary', href: '#/dashboard', text: 'New job' }))),
      this.queue.element,
      h('section', { class: 'card jobs-card' },
        this.filters.element,
        h('div', { class: 'bulk-bar', 'data-testid': 'jobs-bulk-bar' },
          h('div', { class: 'toolbar' }, this.selectedText, this.selectAll, this.clearSel),
          h('div', { class: 'toolbar' }, this.bulkButtons)),
        this.body, this.footer));
  }

  /** Start the quiet auto-refresh: fast while a job on the page is active or the queue has jobs. */
  startPolling() {
    this.poller = poll(() => this.load({ quiet: true }), {
      intervalMs: FAST_POLL_MS, idleMs: SLOW_POLL_MS, immediate: false, root: this.root,
      isActive: () => this.isBusy,
    });
  }

  /** Load the current page; `quiet` refreshes keep the table in place and ignore transient errors. */
  async load({ quiet = false } = {}) {
    this.loadSeq += 1;
    const seq = this.loadSeq;
    let data;
    let queue;
    try {
      [data, queue] = await Promise.all([call('list_jobs', { ...this.filters.query(), page: this.page }), call('get_queue')]);
    } catch (err) {
      if (seq !== this.loadSeq || quiet) return;
      this.body.replaceChildren(errorState(err, () => this.load()));
      this.footer.hidden = true;
      return;
    }
    if (seq !== this.loadSeq || this.isDestroyed) return;
    if (data.items.length === 0 && data.total > 0 && this.page > 1) {
      this.page = data.pages; // the page emptied (e.g. after a delete): show the last one that has rows
      this.load();
      return;
    }
    this.total = data.total;
    this.pages = data.pages;
    data.items.forEach((j) => this.labels.set(j.id, j.label));
    this.queue.show(queue);
    this.showPage(data);
    this.isBusy = data.items.some((j) => j.is_active) || queue.length > 0;
  }

  showPage(data) {
    if (data.total === 0) {
      this.body.replaceChildren(this.filters.isFiltered()
        ? emptyState({ iconName: 'list', title: 'No matching jobs', text: 'No job matches these filters.', testid: 'jobs-no-match',
          actions: [h('button', { class: 'btn', type: 'button', text: 'Clear filters', onClick: () => this.filters.reset() })] })
        : emptyState({ iconName: 'list', title: 'No jobs yet', text: 'Start one from the Dashboard. Every run shows up here with its status, images and exports.', testid: 'jobs-empty',
          actions: [h('a', { class: 'btn btn-primary', href: '#/dashboard', text: 'Go to Dashboard' })] }));
      this.table.show([]);
      this.footer.hidden = true;
    } else {
      if (this.table.element.parentElement !== this.body) this.body.replaceChildren(this.table.element);
      this.table.show(data.items);
      this.footer.hidden = false;
    }
    const first = (data.page - 1) * data.page_size + 1;
    const last = Math.min(data.total, data.page * data.page_size);
    this.pageInfo.textContent = `${first}–${last} of ${plural(data.total, 'job')} · page ${data.page} of ${data.pages}`;
    this.prev.disabled = data.page <= 1;
    this.next.disabled = data.page >= data.pages;
    this.syncSelection();
  }

  goto(page) {
    this.page = Math.min(Math.max(1, page), this.pages);
    this.load();
    this.root.closest('.main')?.scrollTo({ top: 0 });
  }

  syncSelection() {
    const n = this.selection.size;
    this.selectedText.textContent = n ? `${plural(n, 'job')} selected` : 'No jobs selected';
    this.bulkButtons.forEach((b) => { b.disabled = n === 0; });
    this.clearSel.hidden = n === 0;
    this.selectAll.hidden = this.total <= n || this.total === 0 || this.table.selectedOnPage().length < this.table.items.length;
    this.selectAll.textContent = `Select all ${this.total} matching`;
  }

  /** Select every job matching the filters, fetching ids page by page. */
  async selectAllMatching() {
    this.selectAll.disabled = true;
    try {
      const query = { ...this.filters.query(), page_size: ID_PAGE };
      for (let page = 1; ; page += 1) {
        const data = await call('list_jobs', { ...query, page });
        data.items.forEach((j) => { this.selection.add(j.id); this.labels.set(j.id, j.label); });
        if (page >= data.pages) break;
      }
    } catch (err) {
      toastError(err, 'Could not select every job.');
    } finally {
      this.selectAll.disabled = false;
    }
    this.table.syncChecks();
    this.syncSelection();
  }

  selectedJobs() {
    return [...this.selection].map((id) => ({ id, label: this.labels.get(id) || `Job #${id}` }));
  }

  async bulk(name) {
    const ids = [...this.selection];
    if (!ids.length) return;
    if (name === 'rerun') {
      if ((await rerunJobs(ids)).length) this.load();
    } else if (name === 'export') {
      await exportJobsZip(ids);
    } else if (name === 'delete') {
      await this.remove(this.selectedJobs());
    }
  }

  async remove(jobs) {
    const deleted = await deleteJobs(jobs);
    if (deleted) jobs.forEach((j) => this.selection.delete(j.id));
    this.load();
  }

  async act(name, job) {
    if (name === 'rerun') {
      if ((await rerunJobs([job.id])).length) this.load();
    } else if (name === 'resume') {
      if (await resumeJob(job)) this.load();
    } else if (name === 'export') {
      await exportJobXlsx(job);
    } else if (name === 'rename') {
      if (await renameJob(job)) this.load();
    } else if (name === 'delete') {
      await this.remove([job]);
    }
  }

  /** Delete (and Backspace on macOS) opens the same confirmation as the Delete button; never a silent delete. */
  keys(event) {
    if (!isDeleteKey(event) || event.defaultPrevented) return;
    if (event.target.closest('input:not([type="checkbox"]), textarea, select, dialog')) return;
    if (!this.selection.size) return;
    event.preventDefault();
    this.bulk('delete');
  }

  destroy() {
    this.isDestroyed = true;
    if (this.poller) this.poller.stop();
    this.filters.destroy();
  }
}

/** Mount the job list into `root`. */
export async function mount(root) {
  const view = new JobsView(root);
  await view.load();
  view.startPolling();
  return { destroy: () => view.destroy() };
}
