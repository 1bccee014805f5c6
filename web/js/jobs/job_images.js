/** A job's images: the shared gallery (thumbnails with status pills); a click opens the shared image modal. */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { Gallery } from '../ui/gallery.js';
import { openImageModal } from '../ui/image_modal.js';
import { emptyState, errorState } from '../ui/states.js';

export class JobImages {
  constructor(jobId) {
    this.jobId = jobId;
    this.counts = h('p', { class: 'muted', 'data-testid': 'job-images-counts' });
    this.gallery = new Gallery({
      testid: 'job-images', selectable: false,
      onOpen: (id, index, ids) => openImageModal({ ids, index, onChange: () => this.load() }),
      empty: () => emptyState({ iconName: 'image', title: 'No images yet', text: 'Images appear here as the job renders them.', testid: 'job-images-empty' }),
    });
    this.body = h('div', {}, this.gallery.element);
    this.element = h('div', { class: 'job-images' }, this.counts, this.body);
  }

  /** Load (or refresh in place) every image of the job. */
  async load() {
    try {
      const images = await call('list_images_for_job', this.jobId);
      if (this.gallery.element.parentElement !== this.body) this.body.replaceChildren(this.gallery.element);
      this.gallery.setItems(images);
      const approved = images.filter((i) => i.is_approved).length;
      this.counts.textContent = images.length ? `${images.length} images · ${approved} approved · ${images.length - approved} not approved` : '';
    } catch (err) {
      this.body.replaceChildren(errorState(err, () => this.load()));
    }
  }
}
