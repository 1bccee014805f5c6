/**
 * Export selected images to a ZIP: choose stock CSV presets and embedding, check the metadata against the
 * sites' rules first (problems per image, "Export anyway"), then follow the export with a progress bar and
 * Cancel. The save dialog is the native one (export_images_zip with an empty path). Each chosen site's
 * AI-content policy (export_sites, from the stock-site targets table) is shown beside the choice and
 * again before export: a site that takes no AI content needs "Export anyway".
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { poll } from '../ui/poll.js';
import { toast, toastError } from '../ui/toast.js';

// Shown if export_sites cannot answer; the AI policies then come with the check (validate_export).
const PRESETS = [['adobe', 'Adobe Stock'], ['shutterstock', 'Shutterstock'], ['freepik', 'Freepik']];
const POLL_MS = 250;

class ExportDialog {
  constructor(selection, count, resolve) {
    this.selection = selection;
    this.count = count;
    this.resolve = resolve;
    this.result = null;
    this.sites = PRESETS.map(([site, label]) => ({ site, label }));
    this.presets = new Map();
    this.policy = h('div', { class: 'xp-ai', 'data-testid': 'export-ai-policy', 'aria-live': 'polite' });
    this.embed = h('input', { class: 'switch', type: 'checkbox', role: 'switch', id: 'export-embed', 'data-testid': 'export-embed', checked: true });
    this.body = h('div', { class: 'xp-body' });
    this.actions = h('div', { class: 'dialog-actions' });
    this.dialog = h('dialog', { class: 'dialog xp-dialog', 'aria-labelledby': 'export-title', 'data-testid': 'export-dialog' },
      h('div', { class: 'xp-head' }, h('h2', { id: 'export-title', text: `Export ${count} image${count === 1 ? '' : 's'}` }),
        h('p', { text: 'A ZIP with the image files, a metadata workbook and the stock sites\' CSV files.' })),
      this.body, this.actions);
    this.dialog.addEventListener('cancel', (e) => { if (this.exportId) e.preventDefault(); });
    this.dialog.addEventListener('close', () => { this.dialog.remove(); this.resolve(this.result); });
  }

  async open() {
    document.body.append(this.dialog);
    this.dialog.showModal();
    try {
      const answer = await call('export_sites');
      if (answer.sites.length) this.sites = answer.sites;
    } catch (err) {
      toastError(err, 'Could not load the stock sites\' rules.');
    }
    this.presets = new Map(this.sites.map(({ site }) => [site, h('input', {
      type: 'checkbox', class: 'checkbox', checked: site === 'adobe', 'data-testid': `export-preset-${site}`, onChange: () => this.showPolicy(),
    })]));
    this.showOptions();
  }

  /** List the AI-content policy of each chosen site (a site that refuses AI content as a warning). */
  showPolicy(sites = this.sites) {
    const chosen = new Set(this.chosen());
    this.policy.replaceChildren(...sites.filter((s) => chosen.has(s.site) && s.message).map((s) => policyNote(s)));
  }

  button(label, testid, onClick, variant = '') {
    return h('button', { class: `btn ${variant}`, type: 'button', 'data-testid': testid, text: label, onClick });
  }

  chosen() {
    return [...this.presets].filter(([, box]) => box.checked).map(([name]) => name);
  }

  showOptions(note = '') {
    this.body.replaceChildren(
      h('fieldset', { class: 'xp-presets' }, h('legend', { text: 'CSV files for' }),
        this.sites.map(({ site, label }) => h('label', { class: 'opt-row' }, this.presets.get(site), label))),
      this.policy,
      h('label', { class: 'opt-row opt-switch', for: 'export-embed' }, this.embed,
        h('span', {}, 'Embed title, description and keywords in the files (IPTC/XMP)')),
      // replaceChildren turns null into the text "null": pass an empty string when there is no note.
      note ? h('p', { class: 'xp-note', 'data-testid': 'export-note', text: note }) : '');
    this.showPolicy();
    const submit = this.button('Export…', 'export-submit', () => this.check(), 'btn-primary');
    this.actions.replaceChildren(this.button('Cancel', 'export-close', () => this.dialog.close()), submit);
    submit.focus();
  }

  async check() {
    const presets = this.chosen();
    if (!presets.length) {
      await this.start();
      return;
    }
    this.setBusy(true);
    try {
      const report = await call('validate_export', this.selection, presets);
      const refusing = (report.sites || []).some((s) => !s.accepts_ai);
      if (report.with_problems || refusing) this.showProblems(report);
      else await this.start();
    } catch (err) {
      toastError(err, 'Could not check the images.');
    } finally {
      this.setBusy(false);
    }
  }

  setBusy(isBusy) {
    this.actions.querySelectorAll('button').forEach((b) => { b.disabled = isBusy; });
  }

  showProblems(report) {
    const refusing = (report.sites || []).filter((s) => !s.accepts_ai);
    const parts = refusing.map((s) => policyNote(s));
    if (report.with_problems) {
      parts.push(h('div', { class: 'banner banner-warning' }, icon('alert'),
        h('div', { class: 'banner-text', text: `${report.with_problems} of ${report.checked} images would be refused or trimmed by a stock site.` })),
      h('ul', { class: 'xp-problems', 'data-testid': 'export-problems' }, report.images.map((item) => h('li', { 'data-testid': 'export-problem' },
        h('div', { class: 'mono xp-file', text: item.file_name }),
        h('ul', {}, Object.entries(item.problems).flatMap(([site, list]) => list.map((text) => h('li', {}, h('strong', { text: `${site}: ` }), text))))))));
    }
    this.body.replaceChildren(...parts);
    this.actions.replaceChildren(this.button('Back', 'export-back', () => this.showOptions()),
      this.button('Export anyway', 'export-anyway', () => this.start(), 'btn-primary'));
  }

  async start() {
    this.setBusy(true);
    try {
      const started = await call('export_images_zip', this.selection, this.chosen(), this.embed.checked, '');
      if (!started.export_id) {
        this.showOptions('No file was chosen; nothing was exported.');
        return;
      }
      this.exportId = started.export_id;
      this.showProgress(started.path);
      poll(() => this.poll(), { intervalMs: POLL_MS, idleMs: null, isActive: (isRunning) => isRunning, root: this.dialog });
    } catch (err) {
      toastError(err, 'The export did not start.');
      this.setBusy(false);
    }
  }

  showProgress(path) {
    this.fill = h('span');
    this.track = h('div', { class: 'progress', role: 'progressbar', 'aria-label': 'Export progress', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, this.fill);
    this.status = h('p', { class: 'xp-status', 'data-testid': 'export-status', text: 'Starting…' });
    this.body.replaceChildren(h('div', { class: 'xp-progress', 'data-testid': 'export-progress' },
      h('p', { class: 'mono xp-file', 'data-testid': 'export-path', text: path }), this.track, this.status));
    this.actions.replaceChildren(this.button('Cancel export', 'export-cancel', () => this.cancel(), 'btn-danger-ghost'));
  }

  async cancel() {
    try {
      await call('cancel_export', this.exportId);
    } catch (err) {
      toastError(err, 'Could not cancel the export.');
    }
  }

  /** Show the export's progress; return true while it runs (the poll goes on), else finish. */
  async poll() {
    let progress;
    try {
      progress = await call('export_progress', this.exportId);
    } catch (err) {
      toastError(err, 'Lost track of the export.');
      this.exportId = null;
      this.dialog.close();
      return false;
    }
    const fraction = progress.total ? progress.done / progress.total : 0;
    this.fill.style.width = `${Math.round(fraction * 100)}%`;
    this.track.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
    this.status.textContent = progress.total ? `${progress.done} of ${progress.total} files` : 'Preparing…';
    if (progress.state === 'running') return true;
    this.finish(progress);
    return false;
  }

  finish(progress) {
    this.exportId = null;
    if (progress.state === 'done') {
      this.result = progress;
      const skipped = (progress.skipped || []).length;
      toast(`Exported ${progress.count} image${progress.count === 1 ? '' : 's'} to ${progress.path}${skipped ? ` (${skipped} skipped)` : ''}`, { kind: 'success' });
      this.dialog.close();
    } else if (progress.state === 'cancelled') {
      toast('Export cancelled; no file was written.', { kind: 'info' });
      this.dialog.close();
    } else {
      this.status.textContent = progress.error || 'The export failed.';
      this.status.classList.add('is-error');
      this.actions.replaceChildren(this.button('Close', 'export-close', () => this.dialog.close()));
    }
  }
}

/** Return one site's AI-content policy as a banner: a warning when the site takes no AI content. */
function policyNote(site) {
  return h('div', { class: `banner ${site.accepts_ai ? 'banner-info' : 'banner-warning'}`, 'data-testid': `export-ai-${site.site}` },
    icon(site.accepts_ai ? 'info' : 'alert'),
    h('div', { class: 'banner-text' }, site.message, ' ', h('span', { class: 'mono xp-source', text: `Source: ${site.source}` })));
}

/** Open the export dialog for {image_ids}; resolve with the finished export's progress, or null. */
export function openExportDialog(selection, count) {
  return new Promise((resolve) => new ExportDialog(selection, count, resolve).open());
}
