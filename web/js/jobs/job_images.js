/**
 * A job's images: the shared gallery (thumbnails with status pills), filtered by status on the server; a click
 * opens the shared image modal.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { Gallery } from '../ui/gallery.js';
import { openImageModal } from '../ui/image_modal.js';
import { emptyState, errorState } from '../ui/states.js';

const STATUSES = [['', 'All statuses'], ['approved', 'Approved'], ['qc_failed', 'QC failed'], ['retry_failed', 'Retry failed'],
  ['retry_pending', 'Retry pending'], ['processing', 'Processing'], ['pending', 'Pending'], ['download_failed', 'Download failed']];

export class JobImages {
  constructor(jobId) {
    this.jobId = jobId;
    this.counts = h('p', { class: 'muted', 'data-testid': 'job-images-counts' });
    this.status = h('select', { class: 'select select-sm', 'aria-label': 'Show images with status', 'data-testid': 'job-images-status', onChange: () => this.load() },
      STATUSES.map(([value, text]) => h('option', { value, text })));
    this.gallery = new Gallery({
      testid: 'job-images', selectable: false,
      onOpen: (id, index, ids) => openImageModal({ ids, index, onChange: () => this.load() }),
      empty: () => emptyState({
        iconName: 'image', testid: 'job-images-empty',
        ...(this.status.value ? { title: 'No images with this status', text: 'Choose another status, or All statuses.' }
          : { title: 'No images yet', text: 'Images appear here as the job renders them.' }),
      }),
    });
    this.body = h('div', {}, this.gallery.element);
    this.element = h('div', { class: 'job-images' }, h('div', { class: 'toolbar job-images-bar' }, this.status, this.counts), this.body);
  }

  /** Load (or refresh in place) the job's images with the chosen status. */
  async load() {
    this.seq = (this.seq || 0) + 1;
    const seq = this.seq;
    const status = this.status.value;
    try {
      const images = await call('list_images_for_job', this.jobId, status ? [status] : null);
      if (seq !== this.seq) return; // a later choice has been asked for already
      if (this.gallery.element.parentElement !== this.body) this.body.replaceChildren(this.gallery.element);
      this.gallery.setItems(images);
      const approved = images.filter((i) => i.is_approved).length;
      if (status) this.counts.textContent = `${images.length} ${this.status.selectedOptions[0].textContent.toLowerCase()}`;
      else this.counts.textContent = images.length ? `${images.length} images · ${approved} approved · ${images.length - approved} not approved` : '';
    } catch (err) {
      this.body.replaceChildren(errorState(err, () => this.load()));
    }
  }
}
