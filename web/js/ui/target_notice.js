/**
 * One-click upload-ready: choosing a stock target asks the Api which settings the site needs
 * (choose_stock_target) and shows the user a notice listing each setting it changed, old -> new.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';

/** Return {values, changes} for flat form values with the target's needs applied. */
export function chooseStockTarget(flatValues, target) {
  return call('choose_stock_target', flatValues, target);
}

/** Return the notice that lists what choosing `targetLabel` changed (or that nothing had to change). */
export function targetNotice(targetLabel, changes, testid) {
  const items = changes.filter((c) => c.key !== 'output.stock_target');
  const text = items.length
    ? `${targetLabel}: ${items.length} setting${items.length === 1 ? '' : 's'} changed so the files are upload-ready.`
    : `${targetLabel}: your settings already fit.`;
  return h('div', { class: 'banner banner-info target-notice', role: 'status', 'data-testid': testid },
    icon('info'),
    h('div', { class: 'banner-text' }, h('strong', { text }),
      items.length ? h('ul', { 'data-testid': `${testid}-changes` }, items.map((c) => h('li', {
        'data-key': c.key, text: `${c.label}: ${c.old === '' ? '(empty)' : c.old} → ${c.new}`,
      }))) : null));
}
