/**
 * The Failed Images grid: a card per image with its thumbnail, the reason in the user's words, status and
 * per-image actions, and its latest retry's state (queued / running / done / failed). Cards are keyed by id and
 * patched in place; the selection is a Set of ids across pages. The list layout is the same cards in rows (CSS).
 */

import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { icon } from '../icons.js';
import { imageBadge } from '../ui/badges.js';
import { imageAlt, imageTitle } from '../ui/gallery.js';
import { retryStateBadge } from './review_actions.js';

function titleOf(image) {
  return image.keyword || (image.metadata && image.metadata.title) || `Image ${image.id}`;
}

export class FailedGrid {
  /** hooks: {onSelect(), onOpen(image, ids), onAction(name, image)} */
  constructor(hooks) {
    this.hooks = hooks;
    this.selection = new Set();
    this.cards = new Map();
    this.currentId = null;
    this.element = h('div', { class: 'failed-grid', role: 'list', 'data-testid': 'failed-grid' });
  }

  /** Show one page of images, reusing cards of images already shown. */
  show(images) {
    const keep = new Map();
    const nodes = images.map((image) => {
      const card = this.cards.get(image.id) || this.build(image);
      this.fill(card, image);
      keep.set(image.id, card);
      return card.el;
    });
    for (const [id, card] of this.cards) if (!keep.has(id)) card.el.remove();
    this.cards = keep;
    const current = [...this.element.children];
    if (current.length !== nodes.length || current.some((el, i) => el !== nodes[i])) this.element.replaceChildren(...nodes);
    this.markCurrent(this.currentId);
  }

  /** Return the shown images in order. */
  images() {
    return [...this.cards.values()].map((c) => c.image);
  }

  build(image) {
    const id = image.id;
    const card = { image };
    card.check = h('input', {
      type: 'checkbox', class: 'checkbox failed-check', 'aria-label': 'Select image', 'data-testid': `failed-check-${id}`,
      onChange: (e) => this.toggle(id, e.target.checked),
    });
    card.thumb = h('img', { class: 'failed-thumb', alt: '', loading: 'lazy', decoding: 'async', draggable: 'false' });
    card.reason = h('span', { class: 'reason-pill', 'data-testid': `failed-reason-${id}` });
    card.status = h('span', { class: 'failed-status' });
    card.title = h('div', { class: 'failed-title' });
    card.sub = h('div', { class: 'failed-sub' });
    card.retryState = h('div', { class: 'failed-retry-state', 'data-testid': `failed-retry-state-${id}` });
    const act = (name) => (e) => { e.stopPropagation(); this.hooks.onAction(name, card.image); };
    card.approve = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `failed-approve-${id}`, onClick: act('approve') }, icon('check'), 'Approve');
    card.retry = h('button', { class: 'btn btn-sm', type: 'button', 'data-testid': `failed-retry-${id}`, onClick: act('retry') }, icon('refresh'), 'Retry');
    card.del = h('button', { class: 'btn btn-ghost btn-icon btn-sm', type: 'button', title: 'Delete', 'aria-label': 'Delete image', 'data-testid': `failed-delete-${id}`, onClick: act('delete') }, icon('trash'));
    card.spinner = h('div', { class: 'failed-busy', hidden: true }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { text: 'Processing…' }));
    card.frame = h('button', {
      class: 'failed-frame', type: 'button', 'aria-label': 'Open details', 'data-testid': `failed-open-${id}`,
      onClick: () => this.hooks.onOpen(card.image, this.images().map((i) => i.id)),
    }, card.thumb, card.spinner);
    card.el = h('div', { class: 'failed-card', role: 'listitem', 'data-testid': `failed-card-${id}`, 'data-id': String(id) },
      h('div', { class: 'failed-media' }, card.frame, h('label', { class: 'failed-check-wrap' }, card.check), card.status),
      h('div', { class: 'failed-info' }, card.reason, card.title, card.sub, card.retryState),
      h('div', { class: 'failed-actions' }, card.approve, card.retry, h('span', { class: 'spacer' }), card.del));
    return card;
  }

  fill(card, image) {
    const before = card.image;
    card.image = image;
    if (!card.thumb.getAttribute('src') || before.thumb_url !== image.thumb_url) card.thumb.src = image.thumb_url;
    const reason = image.reason_label || 'No reason recorded';
    if (card.reason.textContent !== reason) { card.reason.textContent = reason; card.reason.title = reason; }
    card.reason.classList.toggle('is-processing', (image.reason || '').startsWith('processing_failed:'));
    if (card.status.dataset.status !== image.status) {
      card.status.dataset.status = image.status;
      card.status.replaceChildren(imageBadge(image, `failed-status-${image.id}`));
    }
    card.title.textContent = titleOf(image);
    card.title.title = image.prompt || titleOf(image);
    // Every card's controls are named after its image, so a screen reader can tell the cards apart.
    const name = imageTitle(image);
    card.thumb.alt = imageAlt(image);
    card.frame.setAttribute('aria-label', `Open details for ${name}`);
    card.check.setAttribute('aria-label', `Select ${name}`);
    card.del.setAttribute('aria-label', `Delete ${name}`);
    card.sub.textContent = `${image.job_label || `Job ${image.execution_id}`} · ${dateTime(image.created_at)}`;
    if (card.retryState.dataset.state !== (image.retry_state || '')) {
      card.retryState.dataset.state = image.retry_state || '';
      card.retryState.replaceChildren(...(image.retry_state ? ['Last retry: ', retryStateBadge(image.retry_state)] : []));
    }
    // What may be done to the image comes from the flags the API sends with it.
    card.approve.disabled = !image.can_approve;
    card.retry.disabled = !image.can_retry;
    card.del.disabled = !image.can_delete;
    const isOn = this.selection.has(image.id);
    card.check.checked = isOn;
    card.el.classList.toggle('is-selected', isOn);
  }

  toggle(id, isOn) {
    if (isOn) this.selection.add(id);
    else this.selection.delete(id);
    const card = this.cards.get(id);
    if (card) { card.check.checked = isOn; card.el.classList.toggle('is-selected', isOn); }
    this.hooks.onSelect();
  }

  /** Add or remove ids from the selection. */
  select(ids, isOn) {
    for (const id of ids) {
      if (isOn) this.selection.add(id);
      else this.selection.delete(id);
      const card = this.cards.get(id);
      if (card) { card.check.checked = isOn; card.el.classList.toggle('is-selected', isOn); }
    }
    this.hooks.onSelect();
  }

  /** Highlight the image the retry worker has in hand (spinner on its card). */
  markCurrent(imageId) {
    this.currentId = imageId;
    for (const [id, card] of this.cards) {
      const isCurrent = id === imageId || card.image.is_processing;
      card.el.classList.toggle('is-current', isCurrent);
      card.spinner.hidden = !isCurrent;
    }
  }
}
