/**
 * Live log of the current job: lines streamed from get_progress, a level filter and a case-insensitive
 * search applied in place (no re-render), an auto-scroll switch and export to TXT or JSONL (export_logs).
 */

import { call } from '../bridge.js';
import { debounce, h } from '../dom.js';
import { clockTime } from '../format.js';
import { emptyState } from '../ui/states.js';
import { toast, toastError } from '../ui/toast.js';

const MAX_LINES = 3000;
const RANK = { debug: 0, info: 1, warning: 2, error: 3 };
const LEVELS = [['debug', 'All levels'], ['info', 'Info and above'], ['warning', 'Warnings and errors'], ['error', 'Errors only']];

export class LogPanel {
  /** Build the panel (empty until a job has log lines). */
  constructor() {
    this.jobId = null;
    this.level = h('select', { class: 'select select-sm', 'data-testid': 'log-level', 'aria-label': 'Log level',
      onChange: () => this.applyFilter() }, LEVELS.map(([value, label]) => h('option', { value, text: label })));
    this.searchBox = h('input', { class: 'input input-sm', type: 'search', placeholder: 'Search log', 'data-testid': 'log-search', 'aria-label': 'Search log' });
    this.searchBox.addEventListener('input', debounce(() => this.applyFilter(), 150));
    this.autoScroll = h('input', { class: 'switch', type: 'checkbox', role: 'switch', checked: true, 'data-testid': 'log-autoscroll', id: 'log-autoscroll',
      onChange: () => { if (this.autoScroll.checked) this.scrollToEnd(); } });
    this.exportTxt = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'log-export-txt', text: 'TXT', title: 'Export log as text', onClick: () => this.export('txt') });
    this.exportJsonl = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': 'log-export-jsonl', text: 'JSONL', title: 'Export log as JSON lines', onClick: () => this.export('jsonl') });
    this.counter = h('span', { class: 'dlog-count', 'data-testid': 'log-count', text: '' });
    this.lines = h('div', { class: 'dlog-lines', 'data-testid': 'log-lines', role: 'log', 'aria-live': 'off', tabIndex: 0 });
    this.empty = emptyState({ iconName: 'terminal', title: 'No log yet', text: 'Log lines appear here while a job runs.', testid: 'log-empty' });
    this.noMatch = h('p', { class: 'dlog-nomatch', hidden: true, 'data-testid': 'log-nomatch', text: 'No line matches the filter.' });
    this.element = h('section', { class: 'card dash-logs', 'data-testid': 'log-panel', 'aria-label': 'Live log' },
      h('div', { class: 'card-header' },
        h('div', { class: 'card-heading' }, h('h2', { text: 'Live log' }), this.counter),
        h('div', { class: 'toolbar' }, h('span', { class: 'toolbar-label', text: 'Export' }), this.exportTxt, this.exportJsonl)),
      h('div', { class: 'dlog-toolbar' }, this.level, this.searchBox,
        h('label', { class: 'dlog-follow', for: 'log-autoscroll' }, this.autoScroll, 'Auto-scroll')),
      h('div', { class: 'dlog-body' }, this.empty, this.lines, this.noMatch));
    this.paint();
  }

  /** Start showing job `jobId` (clears the lines of the previous job). */
  reset(jobId) {
    this.jobId = jobId;
    this.lines.replaceChildren();
    this.paint();
  }

  /** Append new log records (from get_progress). */
  append(records) {
    if (!records || !records.length) return;
    const minimum = RANK[this.level.value] ?? 0;
    const needle = this.searchBox.value.trim().toLowerCase();
    const fragment = document.createDocumentFragment();
    for (const record of records) {
      const line = h('div', { class: 'dlog-line', 'data-level': record.level, 'data-testid': 'log-line' },
        h('time', { class: 'dlog-time', datetime: record.time, text: clockTime(record.time) }),
        h('span', { class: 'dlog-level', text: record.level }),
        h('span', { class: 'dlog-msg' },
          record.sub_step || record.step ? h('span', { class: 'dlog-step', text: record.sub_step || record.step }) : null,
          record.message));
      line.hidden = !this.matches(line, minimum, needle);
      fragment.append(line);
    }
    this.lines.append(fragment);
    while (this.lines.childElementCount > MAX_LINES) this.lines.firstElementChild.remove();
    this.paint();
    if (this.autoScroll.checked) this.scrollToEnd();
  }

  matches(line, minimum, needle) {
    if ((RANK[line.dataset.level] ?? 0) < minimum) return false;
    return !needle || line.textContent.toLowerCase().includes(needle);
  }

  applyFilter() {
    const minimum = RANK[this.level.value] ?? 0;
    const needle = this.searchBox.value.trim().toLowerCase();
    for (const line of this.lines.children) line.hidden = !this.matches(line, minimum, needle);
    this.paint();
    if (this.autoScroll.checked) this.scrollToEnd();
  }

  paint() {
    const total = this.lines.childElementCount;
    const shown = [...this.lines.children].filter((line) => !line.hidden).length;
    this.empty.hidden = total > 0;
    this.lines.hidden = total === 0;
    this.noMatch.hidden = total === 0 || shown > 0;
    this.counter.textContent = total ? (shown === total ? `${total} lines` : `${shown} of ${total} lines`) : '';
    this.exportTxt.disabled = this.jobId === null;
    this.exportJsonl.disabled = this.jobId === null;
  }

  scrollToEnd() {
    this.lines.scrollTop = this.lines.scrollHeight;
  }

  async export(fmt) {
    if (this.jobId === null) return;
    try {
      const result = await call('export_logs', this.jobId, fmt, '');
      if (result.path) toast(`Log saved to ${result.path}`, { kind: 'success' });
    } catch (err) {
      toastError(err, 'The log was not exported.');
    }
  }
}
