/**
 * The image modal: zoomable viewer, previous/next through a list of ids, tabs Details / Metadata /
 * Processing, copy prompt, rerun with this seed, reveal in folder and delete. Keyboard: Esc closes, ←/→ navigate, +/−/0 zoom.
 *
 * openImageModal({ids, index, onChange, review}) -> {close()}; onChange({type: "updated", image}) after a metadata
 * save, onChange({type: "deleted", id}) after a delete. `review` (Failed Images Review) adds actions, keys
 * and tabs: {buttons(modal) -> nodes, paint(modal), handleKey(event, modal) -> bool, tabs: [[name, label, render(modal)]]}.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { dateTime, money } from '../format.js';
import { icon } from '../icons.js';
import { imageBadge } from './badges.js';
import { confirmDialog } from './dialog.js';
import { fileName, imageTitle } from './gallery.js';
import { MetadataForm } from './image_metadata.js';
import { ImageViewer } from './image_viewer.js';
import { toast, toastError } from './toast.js';

const TABS = [['details', 'Details'], ['metadata', 'Metadata'], ['processing', 'Processing']];
let openModal = null;

function row(label, value, testid = null) {
  const node = value instanceof Node ? value : h('span', { text: value === null || value === undefined || value === '' ? '—' : String(value) });
  return [h('dt', { text: label }), h('dd', { 'data-testid': testid }, node)];
}

function detailsPanel(image) {
  return h('dl', { class: 'kv' },
    row('Status', h('span', { class: 'kv-status' }, imageBadge(image, 'modal-status'),
      image.is_background_kept ? h('span', { class: 'badge badge-warning', 'data-testid': 'modal-background-kept', text: 'Background kept' }) : null,
      image.reason_label && !image.is_approved ? h('span', { class: 'kv-reason', 'data-testid': 'modal-reason', text: image.reason_label }) : null)),
    row('Prompt', h('p', { class: 'kv-prompt', 'data-testid': 'modal-prompt', text: image.prompt || '—' })),
    row('Keyword', image.keyword, 'modal-keyword'),
    row('Seed', image.seed, 'modal-seed'),
    row('Cost', money(image.cost), 'modal-cost'),
    row('Provider', image.provider),
    row('Job', image.job_label || `Job ${image.execution_id}`),
    row('Created', dateTime(image.created_at)),
    row('Final file', h('span', { class: 'mono kv-path', text: image.final_path || '—' }), 'modal-final-path'),
    row('Temp file', h('span', { class: 'mono kv-path', text: image.temp_path || '—' }), 'modal-temp-path'));
}

function processingPanel(image) {
  const record = image.processing || {};
  const applied = record.applied || [];
  const soft = record.soft_failures || [];
  return h('div', { class: 'proc' },
    h('h3', { text: 'Applied steps' }),
    applied.length
      ? h('ul', { class: 'chips', 'data-testid': 'modal-applied' }, applied.map((step) => h('li', { class: 'badge badge-accent', text: step })))
      : h('p', { class: 'muted', 'data-testid': 'modal-applied', text: 'No processing step changed this image.' }),
    // Why processing did not run at all (a vector image): the steps work on pixels.
    record.skipped ? h('div', { class: 'banner banner-info', 'data-testid': 'modal-processing-skipped' }, icon('info'),
      h('div', { class: 'banner-text' }, h('strong', { text: 'Processing skipped' }), ' ', record.skipped)) : null,
    soft.length ? h('div', { class: 'banner banner-warning', 'data-testid': 'modal-soft-failures' }, icon('alert'),
      h('div', { class: 'banner-text' }, h('strong', { text: 'Soft failures: kept, but check the result' }),
        h('ul', {}, soft.map((f) => h('li', { text: [f.stage, f.message || f.reason || f.error].filter(Boolean).join(': ') }))))) : null,
    record.error ? h('div', { class: 'banner banner-danger', 'data-testid': 'modal-processing-error' }, icon('error'), h('div', { class: 'banner-text', text: record.error })) : null,
    h('dl', { class: 'kv' }, row('Credits', record.credits ? String(record.credits) : '0', 'modal-credits')));
}

class ImageModal {
  constructor({ ids, index, onChange, review }) {
    this.review = review || null;
    this.ids = [...ids];
    this.index = Math.max(0, Math.min(index || 0, this.ids.length - 1));
    this.onChange = onChange || (() => {});
    this.tab = 'details';
    this.seq = 0;
    this.viewer = new ImageViewer();
    this.form = new MetadataForm({ onSaved: (image) => { this.image = image; this.paintHeader(); this.onChange({ type: 'updated', image }); } });
    this.build();
  }

  build() {
    const button = (name, label, testid, onClick, extra = '') => h('button', {
      class: `btn btn-ghost btn-icon ${extra}`, type: 'button', title: label, 'aria-label': label, 'data-testid': testid, onClick,
    }, icon(name));
    this.titleEl = h('h2', { class: 'im-title', id: 'image-modal-title', 'data-testid': 'modal-title' });
    this.counter = h('span', { class: 'im-counter', 'data-testid': 'modal-counter' });
    this.prevButton = button('chevron-left', 'Previous image (←)', 'modal-prev', () => this.go(-1));
    this.nextButton = button('chevron-right', 'Next image (→)', 'modal-next', () => this.go(1));
    const tabs = [...TABS, ...(this.review?.tabs || []).map(([name, label]) => [name, label])];
    this.tabButtons = new Map(tabs.map(([name, label]) => [name, h('button', {
      type: 'button', role: 'tab', 'aria-selected': 'false', 'data-testid': `modal-tab-${name}`, text: label,
      onClick: () => this.select(name),
    })]));
    this.panel = h('div', { class: 'im-panel', role: 'tabpanel', 'data-testid': 'modal-panel' });
    this.dialog = h('dialog', { class: 'image-modal', 'aria-labelledby': 'image-modal-title', 'data-testid': 'image-modal' },
      h('header', { class: 'im-header' },
        h('div', { class: 'im-heading' }, this.titleEl, this.counter),
        h('div', { class: 'toolbar' }, this.prevButton, this.nextButton,
          h('span', { class: 'im-sep' }),
          ...(this.review ? [...this.review.buttons(this), h('span', { class: 'im-sep' })] : []),
          button('copy', 'Copy prompt', 'modal-copy-prompt', () => this.copyPrompt()),
          this.seedButton = button('refresh', 'Rerun with this seed', 'modal-rerun-seed', () => this.rerunWithSeed()),
          button('folder', 'Reveal in folder', 'modal-reveal', () => this.reveal()),
          // Review mode brings its own Delete (with the Delete key) among its actions.
          this.review ? null : button('trash', 'Delete image', 'modal-delete', () => this.remove(), 'is-danger'),
          h('span', { class: 'im-sep' }),
          button('close', 'Close (Esc)', 'modal-close', () => this.close()))),
      h('div', { class: 'im-body' }, this.viewer.element,
        h('aside', { class: 'im-side' }, h('div', { class: 'tabs-inline', role: 'tablist' }, [...this.tabButtons.values()]), this.panel)));
    this.dialog.addEventListener('cancel', (e) => { e.preventDefault(); this.close(); });
    // On the document: focus may sit on <body> after a nav button became disabled.
    this.onKeys = (e) => this.keys(e);
    document.addEventListener('keydown', this.onKeys);
    this.dialog.addEventListener('close', () => this.cleanup());
  }

  async show() {
    this.previous = document.activeElement;
    document.body.append(this.dialog);
    this.dialog.showModal();
    this.dialog.querySelector('[data-testid="modal-close"]').focus();
    await this.load();
  }

  async load() {
    this.seq += 1;
    const mine = this.seq;
    const id = this.ids[this.index];
    this.paintNav();
    this.dialog.setAttribute('aria-busy', 'true');
    try {
      const image = await call('get_image', id);
      if (mine !== this.seq) return;
      this.image = image;
      this.viewer.show(image.original_url, imageTitle(image));
      this.form.load(image);
      this.paintHeader();
      if (this.review) this.review.paint(this);
      this.select(this.tab);
    } catch (err) {
      if (mine === this.seq) toastError(err, 'Could not open the image.');
    } finally {
      if (mine === this.seq) this.dialog.removeAttribute('aria-busy');
    }
  }

  paintNav() {
    this.counter.textContent = `${this.index + 1} / ${this.ids.length}`;
    const hadFocus = document.activeElement;
    this.prevButton.disabled = this.index <= 0;
    this.nextButton.disabled = this.index >= this.ids.length - 1;
    // A button that just became disabled drops focus out of the dialog: hand it to its twin.
    if (hadFocus === this.prevButton && this.prevButton.disabled) this.nextButton.focus();
    if (hadFocus === this.nextButton && this.nextButton.disabled) this.prevButton.focus();
  }

  paintHeader() {
    // Only a recorded seed can be reused (OpenAI Images has none).
    this.seedButton.hidden = this.image.seed === null || this.image.seed === undefined;
    this.titleEl.textContent = imageTitle(this.image);
    this.titleEl.title = fileName(this.image);
  }

  select(name) {
    this.tab = name;
    for (const [tabName, tab] of this.tabButtons) tab.setAttribute('aria-selected', String(tabName === name));
    if (!this.image) return;
    const extra = (this.review?.tabs || []).find(([tabName]) => tabName === name);
    if (extra) this.panel.replaceChildren(extra[2](this));
    else if (name === 'metadata') this.panel.replaceChildren(this.form.element);
    else if (name === 'processing') this.panel.replaceChildren(processingPanel(this.image));
    else this.panel.replaceChildren(detailsPanel(this.image));
  }

  async leaveForm() {
    if (!this.form.isDirty()) return true;
    return confirmDialog({
      title: 'Discard metadata changes?', message: 'You edited this image\'s metadata without saving it.',
      confirmLabel: 'Discard', danger: true, testid: 'confirm-discard-meta',
    });
  }

  async go(step) {
    const next = this.index + step;
    if (next < 0 || next >= this.ids.length || !(await this.leaveForm())) return;
    this.index = next;
    await this.load();
  }

  keys(event) {
    const open = document.querySelectorAll('dialog[open]');
    if (open[open.length - 1] !== this.dialog) return; // a confirmation on top has the keys
    if (event.key === 'Escape') return; // the dialog's cancel event handles it
    const typing = event.target instanceof Element && event.target.closest('input, textarea, select');
    if (typing || event.altKey || event.metaKey || event.ctrlKey) return;
    if (this.review && this.review.handleKey(event, this)) event.preventDefault();
    else if (event.key === 'ArrowLeft') this.go(-1);
    else if (event.key === 'ArrowRight') this.go(1);
    else if (!this.viewer.handleKey(event.key)) return;
    event.preventDefault();
  }

  async copyPrompt() {
    try {
      await navigator.clipboard.writeText(this.image?.prompt || '');
      toast('Prompt copied', { kind: 'success' });
    } catch (err) {
      toastError(err, 'Could not copy the prompt.');
    }
  }

  async rerunWithSeed() {
    if (!this.image || this.seedButton.disabled) return;
    this.seedButton.disabled = true;
    try {
      const job = await call('rerun_with_seed', this.image.id);
      toast(`Queued “${job.label}”: this prompt again with seed ${this.image.seed}`, { kind: 'success' });
    } catch (err) {
      toastError(err, 'Could not rerun with this seed.');
    } finally {
      this.seedButton.disabled = false;
    }
  }

  async reveal() {
    try {
      const result = await call('reveal_image', this.image.id);
      toast(`Shown in the file manager: ${result.path}`, { kind: 'info' });
    } catch (err) {
      toastError(err, 'Could not reveal the file.');
    }
  }

  async remove() {
    const id = this.image?.id;
    if (!id) return;
    const isOk = await confirmDialog({
      title: 'Delete this image?', message: 'The image and its file are deleted. This cannot be undone.',
      confirmLabel: 'Delete', danger: true, testid: 'confirm-delete-image',
    });
    if (isOk) await this.deleteCurrent();
  }

  /** Delete the shown image (the caller asked the user) and show the next one, or close when none is left. */
  async deleteCurrent() {
    const id = this.image?.id;
    if (!id) return;
    try {
      await call('delete_images', [id], true);
      toast('Image deleted', { kind: 'success' });
      this.onChange({ type: 'deleted', id });
      this.ids.splice(this.index, 1);
      if (!this.ids.length) {
        this.close(true);
        return;
      }
      this.index = Math.min(this.index, this.ids.length - 1);
      await this.load();
    } catch (err) {
      toastError(err, 'The image was not deleted.');
    }
  }

  async close(force = false) {
    if (!force && !(await this.leaveForm())) return;
    if (this.dialog.open) this.dialog.close();
  }

  cleanup() {
    document.removeEventListener('keydown', this.onKeys);
    this.viewer.destroy();
    this.dialog.remove();
    if (openModal === this) openModal = null;
    if (this.previous && typeof this.previous.focus === 'function' && this.previous.isConnected) this.previous.focus();
  }
}

/** Open the image modal on `ids[index]`; return {close()}. A modal already open is closed first. */
export function openImageModal({ ids, index = 0, onChange, review }) {
  if (openModal) openModal.close(true);
  if (!ids || !ids.length) return { close() {} };
  const modal = new ImageModal({ ids, index, onChange, review });
  openModal = modal;
  modal.show();
  return { close: () => modal.close(true) };
}
