/** The job table: one row per execution, patched in place on refresh (no layout jumps), selection kept by id. */

import { h } from '../dom.js';
import { duration, money, shortDateTime } from '../format.js';
import { icon } from '../icons.js';
import { jobBadge, setJobBadge } from '../ui/badges.js';

const COLUMNS = [
  ['', 'col-check'], ['ID', 'col-id'], ['Job', 'col-label'], ['Status', 'col-status'], ['Created', 'col-date'],
  ['Duration', 'col-num col-duration'], ['Images', 'col-num'], ['Cost', 'col-num'], ['', 'col-actions'],
];

function iconButton(name, label, testid, onClick) {
  return h('button', { class: 'btn btn-ghost btn-icon btn-sm', type: 'button', title: label, 'aria-label': label, 'data-testid': testid, onClick }, icon(name));
}

export class JobsTable {
  /** Build the table; `selection` is a Set of ids shared with the view; hooks: {onSelect(), onAction(name, job)}. */
  constructor(selection, hooks) {
    this.selection = selection;
    this.hooks = hooks;
    this.rows = new Map();
    this.items = [];
    this.pageCheck = h('input', {
      type: 'checkbox', class: 'checkbox', 'aria-label': 'Select every job on this page', 'data-testid': 'jobs-check-page',
      onChange: (e) => this.selectPage(e.target.checked),
    });
    this.body = h('tbody', {});
    this.element = h('table', { class: 'table jobs-table', 'data-testid': 'jobs-table' },
      h('thead', {}, h('tr', {}, COLUMNS.map(([label, cls], i) => h('th', { scope: 'col', class: cls }, i === 0 ? this.pageCheck : label)))),
      this.body);
  }

  /** Show `items` (one page); rows are reused by id so focus and scroll stay put. */
  show(items) {
    this.items = items;
    const seen = new Set();
    const ordered = items.map((job) => {
      seen.add(job.id);
      let row = this.rows.get(job.id);
      if (!row) {
        row = this.buildRow(job);
        this.rows.set(job.id, row);
      }
      this.fill(row, job);
      return row.tr;
    });
    for (const [id, row] of this.rows) {
      if (!seen.has(id)) { row.tr.remove(); this.rows.delete(id); }
    }
    const current = [...this.body.children];
    if (current.length !== ordered.length || current.some((tr, i) => tr !== ordered[i])) this.body.replaceChildren(...ordered);
    this.syncChecks();
  }

  buildRow(job) {
    const id = job.id;
    const row = { job };
    row.check = h('input', {
      type: 'checkbox', class: 'checkbox', 'aria-label': `Select job ${id}`, 'data-testid': `job-check-${id}`,
      onChange: (e) => { if (e.target.checked) this.selection.add(id); else this.selection.delete(id); this.syncChecks(); this.hooks.onSelect(); },
    });
    row.label = h('a', { class: 'job-link', href: `#/jobs/${id}`, 'data-testid': `job-label-${id}` });
    row.meta = h('span', { class: 'job-meta' });
    row.badge = jobBadge(job, `job-status-${id}`);
    row.created = h('td', { class: 'col-date' });
    row.duration = h('td', { class: 'col-num col-duration' });
    row.images = h('td', { class: 'col-num', 'data-testid': `job-images-${id}` });
    row.cost = h('td', { class: 'col-num' });
    const act = (name) => () => this.hooks.onAction(name, row.job);
    row.resume = iconButton('play', 'Resume', `job-resume-${id}`, act('resume'));
    row.rerun = iconButton('refresh', 'Rerun', `job-rerun-${id}`, act('rerun'));
    row.remove = iconButton('trash', 'Delete', `job-delete-${id}`, act('delete'));
    row.tr = h('tr', { 'data-testid': `job-row-${id}`, 'data-id': String(id) },
      h('td', { class: 'col-check' }, row.check),
      h('td', { class: 'col-id mono', text: `#${id}` }),
      h('td', { class: 'col-label' }, row.label, row.meta),
      h('td', { class: 'col-status' }, row.badge),
      row.created, row.duration, row.images, row.cost,
      h('td', { class: 'col-actions' }, h('div', { class: 'row-actions' },
        h('a', { class: 'btn btn-ghost btn-icon btn-sm', href: `#/jobs/${id}`, title: 'View', 'aria-label': 'View job', 'data-testid': `job-view-${id}` }, icon('eye')),
        row.resume,
        row.rerun,
        iconButton('download', 'Export Excel', `job-export-${id}`, act('export')),
        iconButton('pencil', 'Rename', `job-rename-${id}`, act('rename')),
        row.remove)));
    return row;
  }

  fill(row, job) {
    row.job = job;
    if (row.label.textContent !== job.label) row.label.textContent = job.label;
    const meta = job.parent_id ? `Rerun of #${job.parent_id}` : '';
    row.meta.textContent = meta;
    setJobBadge(row.badge, job);
    row.created.textContent = shortDateTime(job.created_at);
    row.created.title = job.created_at || '';
    row.duration.textContent = duration(job.duration_s);
    row.images.textContent = `${job.approved} / ${job.planned}`;
    row.images.title = `${job.approved} approved, ${job.qc_failed} failed QC, ${job.processing_failed} failed processing, ${job.planned} planned`;
    row.cost.textContent = money(job.cost);
    // Every action's visibility comes from the flags the API sends with the job.
    row.resume.hidden = !job.is_resumable;
    row.rerun.hidden = !job.can_rerun;
    row.remove.disabled = !job.can_delete;
    row.remove.title = job.can_delete ? 'Delete' : 'A running job cannot be deleted; stop it first';
    row.tr.classList.toggle('is-selected', this.selection.has(job.id));
  }

  selectPage(isOn) {
    for (const job of this.items) {
      if (isOn) this.selection.add(job.id);
      else this.selection.delete(job.id);
    }
    this.syncChecks();
    this.hooks.onSelect();
  }

  /** Reflect the selection in the row checkboxes and the page checkbox. */
  syncChecks() {
    let onPage = 0;
    for (const [id, row] of this.rows) {
      const isOn = this.selection.has(id);
      row.check.checked = isOn;
      row.tr.classList.toggle('is-selected', isOn);
      if (isOn) onPage += 1;
    }
    this.pageCheck.checked = onPage > 0 && onPage === this.rows.size;
    this.pageCheck.indeterminate = onPage > 0 && onPage < this.rows.size;
  }

  /** Return the jobs on this page that are selected (for labels in dialogs). */
  selectedOnPage() {
    return this.items.filter((j) => this.selection.has(j.id));
  }
}
