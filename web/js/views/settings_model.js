/**
 * The local background-removal model: shows whether it is on disk and downloads it, after asking,
 * with progress. Attached under the "Local model" field of the Processing tab.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { confirmDialog } from '../ui/dialog.js';
import { poll } from '../ui/poll.js';
import { toast, toastError } from '../ui/toast.js';

const POLL_MS = 500;

export class ModelStatus {
  /** Attach under `field` (the processing.rembg_model field). */
  constructor(field) {
    this.field = field;
    this.text = h('span', { class: 'model-status-text', 'data-testid': 'model-status' });
    this.bar = h('progress', { class: 'model-progress', max: 1, value: 0, hidden: true, 'data-testid': 'model-progress' });
    this.button = h('button', {
      class: 'btn btn-small', type: 'button', hidden: true, 'data-testid': 'model-download',
      text: 'Download', onClick: () => this.download(),
    });
    this.cancelButton = h('button', {
      class: 'btn btn-small', type: 'button', hidden: true, 'data-testid': 'model-cancel',
      text: 'Cancel', onClick: () => this.cancel(),
    });
    this.element = h('div', { class: 'model-status' }, this.text, this.bar, this.button, this.cancelButton);
    field.row.append(this.element);
    field.input.addEventListener('change', () => this.refresh());
    this.refresh();
  }

  async refresh() {
    const name = this.field.get();
    try {
      const status = await call('model_status', name);
      this.show(status);
      if (status.download.state === 'running' && status.download.model === name) this.poll();
    } catch (err) {
      this.text.textContent = err.message;
    }
  }

  show(status) {
    const running = status.download.state === 'running' && status.download.model === status.model;
    this.bar.hidden = !running;
    this.button.hidden = status.is_present || running || !status.can_download;
    this.cancelButton.hidden = !running;
    this.cancelButton.disabled = Boolean(status.download.is_cancelling);
    if (status.is_present) {
      this.text.textContent = `Installed (${Math.round(status.size_on_disk / 1e6)} MB), works offline.`;
    } else if (running) {
      const { done, total } = status.download;
      this.bar.value = total ? done / total : 0;
      this.text.textContent = total ? `Downloading… ${Math.round(done / 1e6)} of ${Math.round(total / 1e6)} MB` : 'Downloading…';
    } else if (status.can_download) {
      this.text.textContent = `Not downloaded yet (about ${status.approx_size_mb} MB).`;
    } else {
      this.text.textContent = `Copy ${status.model}.onnx into ${status.path.replace(/[^/\\]+$/, '')} to use it.`;
    }
  }

  async download() {
    const name = this.field.get();
    const agreed = await confirmDialog({
      title: 'Download the model?',
      message: `Local background removal needs the ${name} model. It is downloaded once from the internet into `
        + 'the app home and then works offline.',
      confirmLabel: 'Download', testid: 'model-confirm',
    });
    if (!agreed) return;
    try {
      this.show(await call('download_model', name).then(() => call('model_status', name)));
      this.poll();
    } catch (err) {
      toastError(err, 'Could not start the download');
    }
  }

  /** Stop the running download; the backend removes the partial file. */
  async cancel() {
    try {
      this.show(await call('cancel_model_download').then(() => call('model_status', this.field.get())));
    } catch (err) {
      toastError(err, 'Could not cancel the download');
    }
  }

  /** Follow the download until it ends (one poll at a time; it stops when the settings view unmounts). */
  poll() {
    if (this.poller && !this.poller.isStopped) return;
    this.poller = poll(() => this.check(), {
      intervalMs: POLL_MS, idleMs: null, immediate: false, root: this.element,
      isActive: (isRunning) => isRunning,
    });
  }

  /** Show the download's state; return true while it runs. */
  async check() {
    const status = await call('model_status', this.field.get()).catch(() => null);
    if (!status) return false;
    this.show(status);
    const { state, error } = status.download;
    if (state === 'done') toast('Model downloaded', { kind: 'success' });
    else if (state === 'failed') toastError({ message: error }, 'Model download failed');
    else if (state === 'cancelled') toast('Model download cancelled', { kind: 'info' });
    return state === 'running';
  }
}
