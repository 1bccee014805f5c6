/**
 * The Dashboard's image gallery across jobs: server-side filters (job, status, dates, text), sorts and
 * pages; grid and list views; a selection that survives paging ("select all matching" via image_ids);
 * bulk delete and ZIP export; live updates from get_progress without re-rendering the page.
 */

import { call } from '../bridge.js';
import { debounce, h } from '../dom.js';
import { icon } from '../icons.js';
import { confirmDialog } from '../ui/dialog.js';
import { Gallery, createPager } from '../ui/gallery.js';
import { openImageModal } from '../ui/image_modal.js';
import { emptyState } from '../ui/states.js';
import { toast, toastError } from '../ui/toast.js';
import { openExportDialog } from './export_dialog.js';

const PAGE_SIZE = 24;
const STATUSES = [['approved', 'Approved'], ['qc_failed', 'QC failed'], ['retry_failed', 'Retry failed'],
  ['retry_pending', 'Retry pending'], ['processing', 'Processing'], ['pending', 'Pending'], ['', 'All statuses']];
const SORTS = [['newest', 'Newest first'], ['oldest', 'Oldest first'], ['title', 'Title A–Z']];

const select = (testid, label, options, value) => h('select', { class: 'select select-sm', 'data-testid': testid, 'aria-label': label },
  options.map(([v, text]) => h('option', { value: v, text, selected: v === value })));

export class GalleryPanel {
  /** Build the panel; call load() to fill it. */
  constructor() {
    this.page = 1;
    this.total = 0;
    this.seq = 0;
    this.jobLabels = new Map();
    this.gallery = new Gallery({
      testid: 'gallery', onOpen: (id, index, ids) => this.openModal(index, ids),
      onSelect: () => this.paintSelection(), empty: () => this.emptyNode(),
    });
    this.pager = createPager({ testid: 'gallery-pager', onPage: (page) => this.load(page) });
    this.buildFilters();
    this.buildSelectionBar();
    this.totalLabel = h('p', { 'data-testid': 'gallery-total', text: '' });
    this.element = h('section', { class: 'card dash-gallery', 'data-testid': 'gallery-panel', 'aria-label': 'Images' },
      h('div', { class: 'card-header' }, h('div', { class: 'card-heading' }, h('h2', { text: 'Images' }), this.totalLabel),
        h('div', { class: 'toolbar' }, this.sort, this.viewToggle)),
      this.filters, this.selectionBar,
      h('div', { class: 'dash-gallery-body' }, this.gallery.element),
      h('div', { class: 'dash-gallery-foot' }, this.pager.element));
    this.paintSelection();
  }

  buildFilters() {
    const reload = () => this.load(1);
    this.search = h('input', { class: 'input input-sm', type: 'search', placeholder: 'Search prompt, title, keywords', 'data-testid': 'gallery-search', 'aria-label': 'Search images' });
    this.search.addEventListener('input', debounce(reload, 300));
    this.job = select('gallery-job', 'Job', [['', 'All jobs']], '');
    this.status = select('gallery-status', 'Status', STATUSES, 'approved');
    this.sort = select('gallery-sort', 'Sort', SORTS, 'newest');
    this.dateFrom = h('input', { class: 'input input-sm', type: 'date', 'data-testid': 'gallery-date-from', 'aria-label': 'From date' });
    this.dateTo = h('input', { class: 'input input-sm', type: 'date', 'data-testid': 'gallery-date-to', 'aria-label': 'To date' });
    // Approved images whose background removal soft-failed (Approve mode): they still have their background.
    this.backgroundKept = h('input', { type: 'checkbox', 'data-testid': 'gallery-background-kept' });
    [this.job, this.status, this.sort, this.dateFrom, this.dateTo, this.backgroundKept].forEach((el) => el.addEventListener('change', reload));
    this.filters = h('div', { class: 'gallery-filters' },
      h('div', { class: 'search-box' }, icon('search'), this.search), this.job, this.status,
      h('label', { class: 'check-inline', title: 'Only images whose background removal failed and kept the background' }, this.backgroundKept, 'Background kept'),
      h('div', { class: 'gallery-dates' }, this.dateFrom, h('span', { text: '–' }), this.dateTo));
    const viewButton = (view, label) => h('button', {
      class: 'btn btn-ghost btn-icon btn-sm', type: 'button', title: label, 'aria-label': label, 'aria-pressed': String(view === 'grid'),
      'data-testid': `gallery-view-${view}`, onClick: () => this.setView(view),
    }, icon(view === 'grid' ? 'grid' : 'rows'));
    this.viewToggle = h('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, viewButton('grid', 'Grid view'), viewButton('list', 'List view'));
  }

  buildSelectionBar() {
    this.selectedCount = h('span', { class: 'gallery-selected', 'data-testid': 'gallery-selected-count' });
    this.selectPage = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'gallery-select-page', text: 'Select page', onClick: () => this.gallery.select(this.gallery.ids(), true) });
    this.selectAll = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'gallery-select-all', onClick: () => this.selectAllMatching() });
    this.clear = h('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'data-testid': 'gallery-clear-selection', text: 'Clear', onClick: () => this.gallery.clearSelection() });
    this.exportButton = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'gallery-export', onClick: () => this.exportSelected() }, icon('download'), 'Export ZIP…');
    this.deleteButton = h('button', { class: 'btn btn-danger-ghost btn-sm', type: 'button', 'data-testid': 'gallery-delete', onClick: () => this.deleteSelected() }, icon('trash'), 'Delete…');
    this.selectionBar = h('div', { class: 'selection-bar', 'data-testid': 'gallery-selection-bar' },
      h('div', { class: 'toolbar' }, this.selectedCount, this.selectPage, this.selectAll, this.clear),
      h('div', { class: 'toolbar' }, this.exportButton, this.deleteButton));
  }

  setView(view) {
    this.gallery.setView(view);
    this.viewToggle.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.testid === `gallery-view-${view}`)));
  }

  query(page = this.page) {
    return {
      status: this.status.value ? [this.status.value] : [], execution_ids: this.job.value ? [Number(this.job.value)] : [],
      date_from: this.dateFrom.value, date_to: this.dateTo.value, search: this.search.value.trim(),
      sort: this.sort.value, background_kept: this.backgroundKept.checked, page, page_size: PAGE_SIZE,
    };
  }

  isFiltered() {
    return this.status.value !== 'approved' || this.job.value || this.dateFrom.value || this.dateTo.value || this.search.value.trim();
  }

  /** Load page `page` of the current filter (keeps the old cards visible until the answer arrives). */
  async load(page = this.page, { isQuiet = false } = {}) {
    this.seq += 1;
    const mine = this.seq;
    if (!isQuiet) this.gallery.setBusy(true);
    try {
      const result = await call('list_images', this.query(page));
      if (mine !== this.seq) return;
      if (page > result.pages && result.total) {
        await this.load(result.pages);
        return;
      }
      this.page = result.page;
      this.total = result.total;
      this.gallery.emptyBox.replaceChildren();
      this.gallery.setItems(result.items);
      this.pager.update(result);
      this.paintTotal();
    } catch (err) {
      if (mine === this.seq) toastError(err, 'Could not load the images.');
    } finally {
      if (mine === this.seq) this.gallery.setBusy(false);
    }
  }

  /** Refresh the job filter's choices (recent jobs first); return the jobs, newest first. */
  async loadJobs() {
    try {
      const jobs = await call('list_jobs', { sort: 'newest', page_size: 100 });
      const chosen = this.job.value;
      this.job.replaceChildren(h('option', { value: '', text: 'All jobs' }),
        ...jobs.items.map((job) => h('option', { value: String(job.id), text: `${job.label || 'Untitled'} (#${job.id})`, selected: String(job.id) === chosen })));
      jobs.items.forEach((job) => this.jobLabels.set(job.id, job.label));
      return jobs.items;
    } catch {
      return []; // the filter keeps its old choices; the gallery itself still works
    }
  }

  paintTotal() {
    const what = this.status.value ? STATUSES.find(([v]) => v === this.status.value)[1].toLowerCase() : 'all';
    this.totalLabel.textContent = `${this.total} ${what} image${this.total === 1 ? '' : 's'}`;
    this.selectAll.textContent = `Select all ${this.total} matching`;
    this.selectAll.disabled = this.total === 0;
  }

  paintSelection() {
    const count = this.gallery.selected.size;
    this.selectedCount.textContent = count ? `${count} selected` : 'None selected';
    this.exportButton.disabled = count === 0;
    this.deleteButton.disabled = count === 0;
    this.clear.disabled = count === 0;
    this.selectionBar.classList.toggle('has-selection', count > 0);
  }

  emptyNode() {
    if (this.isFiltered()) {
      return emptyState({ iconName: 'image', title: 'No images match these filters', text: 'Change or clear the filters to see more.', testid: 'gallery-empty',
        actions: [h('button', { class: 'btn', type: 'button', text: 'Clear filters', 'data-testid': 'gallery-clear-filters', onClick: () => this.clearFilters() })] });
    }
    return emptyState({ iconName: 'image', title: 'No approved images yet', testid: 'gallery-empty',
      text: 'Start a job: images that pass the quality check appear here as they are finished.' });
  }

  clearFilters() {
    Object.assign(this.search, { value: '' });
    this.job.value = '';
    this.status.value = 'approved';
    this.dateFrom.value = '';
    this.dateTo.value = '';
    this.load(1);
  }

  /**
   * Show images changed by a running job: update shown cards in place and put new matches at the top of
   * the first page (newest first); then, at most once a second, re-read the page for the exact totals
   * (the shown cards are reused, so nothing jumps).
   */
  applyChanges(images) {
    const q = this.query();
    const canInsert = this.page === 1 && q.sort === 'newest' && !q.search && !q.date_from && !q.date_to;
    const newestShown = Math.max(0, ...this.gallery.ids());
    let isStale = false;
    for (const image of images) {
      const shown = { ...image, job_label: image.job_label || this.jobLabels.get(image.execution_id) || '' };
      const matches = (!q.status.length || q.status.includes(image.status))
        && (!q.execution_ids.length || q.execution_ids.includes(image.execution_id));
      if (this.gallery.image(image.id)) {
        this.gallery.upsert(shown);
      } else if (matches) {
        // Only images newer than everything shown belong on top; older ones live on other pages.
        if (canInsert && image.id > newestShown) this.gallery.upsert(shown, { prepend: true, limit: PAGE_SIZE });
        isStale = true;
      }
    }
    if (isStale) this.reconcileSoon();
  }

  reconcileSoon() {
    if (this.reconcileTimer) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = null;
      this.load(this.page, { isQuiet: true });
    }, 1000);
  }

  /** Stop pending work (view destroyed). */
  destroy() {
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = 1; // never schedule again
  }

  openModal(index, ids) {
    openImageModal({
      ids, index,
      onChange: (event) => {
        if (event.type === 'updated') this.gallery.upsert({ ...event.image, job_label: event.image.job_label || this.jobLabels.get(event.image.execution_id) || '' });
        if (event.type === 'deleted') {
          this.gallery.select([event.id], false);
          this.gallery.remove(event.id);
          this.total = Math.max(0, this.total - 1);
          this.paintTotal();
        }
      },
    });
  }

  async selectAllMatching() {
    try {
      const filter = this.query();
      delete filter.page;
      delete filter.page_size;
      const ids = await call('image_ids', filter);
      this.gallery.select(ids, true);
    } catch (err) {
      toastError(err, 'Could not select the images.');
    }
  }

  async deleteSelected() {
    const ids = [...this.gallery.selected];
    const isOk = await confirmDialog({
      title: `Delete ${ids.length} image${ids.length === 1 ? '' : 's'}?`,
      message: 'The images and their files are deleted for good. This cannot be undone.',
      confirmLabel: 'Delete', danger: true, testid: 'confirm-delete-images',
    });
    if (!isOk) return;
    try {
      const result = await call('delete_images', ids, true);
      toast(`Deleted ${result.deleted} image${result.deleted === 1 ? '' : 's'}`, { kind: 'success' });
      this.gallery.clearSelection();
      await this.load(this.page);
    } catch (err) {
      toastError(err, err.code === 'file_in_use' ? '' : 'The images were not deleted.');
      await this.load(this.page);  // some may have gone: an image whose file is open elsewhere is kept
    }
  }

  async exportSelected() {
    const ids = [...this.gallery.selected];
    await openExportDialog({ image_ids: ids }, ids.length);
  }
}
