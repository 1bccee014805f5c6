/** A job's persisted log: level filter, case-insensitive search, live append while it runs, export. */

import { call } from '../bridge.js';
import { debounce, h } from '../dom.js';
import { clockTime } from '../format.js';
import { emptyState, errorState } from '../ui/states.js';
import { toast, toastError } from '../ui/toast.js';

const LEVELS = ['debug', 'info', 'warning', 'error'];
const PAGE = 1000;

function line(record) {
  const where = [record.step, record.sub_step].filter(Boolean).join(' / ');
  return h('li', { class: `log-line level-${record.level}`, 'data-testid': 'log-line', 'data-level': record.level },
    h('time', { class: 'log-time', datetime: record.time, text: clockTime(record.time), title: record.time }),
    h('span', { class: 'log-level', text: record.level.toUpperCase() }),
    h('span', { class: 'log-where', text: record.image_index !== null && record.image_index !== undefined ? `${where} #${record.image_index}` : where }),
    h('span', { class: 'log-message', text: record.message }));
}

export class LogPanel {
  constructor(jobId) {
    this.jobId = jobId;
    this.lastId = 0;
    this.seq = 0;
    this.levels = new Set(LEVELS);
    this.searchSoon = debounce(() => this.reload(), 300);
    this.list = h('ol', { class: 'log-list', 'data-testid': 'job-logs', 'aria-live': 'off' });
    this.count = h('span', { class: 'muted', 'data-testid': 'job-logs-count' });
    this.search = h('input', { class: 'input', type: 'search', placeholder: 'Search the log', 'aria-label': 'Search the log', 'data-testid': 'job-logs-search', onInput: () => this.searchSoon() });
    const chips = LEVELS.map((level) => h('label', { class: `level-chip level-${level}` },
      h('input', { type: 'checkbox', checked: true, 'data-testid': `job-logs-level-${level}`, onChange: (e) => { if (e.target.checked) this.levels.add(level); else this.levels.delete(level); this.reload(); } }),
      h('span', { text: level.charAt(0).toUpperCase() + level.slice(1) })));
    const exportButton = (fmt) => h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `job-logs-export-${fmt}`, text: fmt === 'txt' ? 'Export TXT' : 'Export JSONL', onClick: () => this.export(fmt) });
    this.body = h('div', { class: 'log-body' }, this.list);
    this.element = h('div', { class: 'log-panel' },
      h('div', { class: 'log-controls' },
        h('div', { class: 'log-search' }, this.search),
        h('div', { class: 'level-chips', role: 'group', 'aria-label': 'Levels' }, chips),
        h('div', { class: 'toolbar' }, this.count, exportButton('txt'), exportButton('jsonl'))),
      this.body);
  }

  query(afterId) {
    return { levels: [...this.levels], search: this.search.value.trim(), after_id: afterId, limit: PAGE };
  }

  /** Load the log from the start with the current filters. */
  async reload() {
    this.seq += 1;
    const seq = this.seq;
    this.lastId = 0;
    this.list.replaceChildren();
    if (this.list.parentElement !== this.body) this.body.replaceChildren(this.list);
    try {
      await this.fetchNew(seq);
    } catch (err) {
      if (seq === this.seq) this.body.replaceChildren(errorState(err, () => this.reload()));
    }
  }

  /** Append records newer than the last one shown (used while the job runs). */
  async refresh() {
    if (!this.levels.size) return;
    try { await this.fetchNew(this.seq); } catch { /* the next refresh tries again */ }
  }

  async fetchNew(seq) {
    if (!this.levels.size) { this.showEmpty(); return; }
    for (;;) {
      const records = await call('get_logs', this.jobId, this.query(this.lastId));
      if (seq !== this.seq) return;
      if (records.length) {
        const isAtBottom = this.body.scrollHeight - this.body.scrollTop - this.body.clientHeight < 24;
        this.list.append(...records.map(line));
        this.lastId = records[records.length - 1].id;
        // Follow new lines only when the reader is already at the bottom.
        if (isAtBottom) this.body.scrollTop = this.body.scrollHeight;
      }
      if (records.length < PAGE) break;
    }
    this.showEmpty();
  }

  showEmpty() {
    const n = this.list.children.length;
    this.count.textContent = n === 1 ? '1 line' : `${n} lines`;
    if (n === 0) {
      const isFiltered = this.search.value.trim() !== '' || this.levels.size < LEVELS.length;
      this.body.replaceChildren(this.list, emptyState({ iconName: 'terminal', title: isFiltered ? 'No matching lines' : 'No log lines yet', text: isFiltered ? 'Change the search or the levels.' : 'Lines appear here as the job runs.', testid: 'job-logs-empty' }));
    } else if (this.body.children.length > 1) {
      this.body.replaceChildren(this.list);
    }
  }

  async export(fmt) {
    try {
      const result = await call('export_logs', this.jobId, fmt, '');
      if (result && result.path) toast(`Log saved to ${result.path}`, { kind: 'success' });
    } catch (err) {
      toastError(err, 'The log was not exported.');
    }
  }

  destroy() {
    this.searchSoon.cancel();
  }
}
