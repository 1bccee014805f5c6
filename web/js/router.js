/**
 * Hash router: one view mounted at a time inside a <section data-testid="view-<name>">.
 *
 * While a view mounts its section has aria-busy="true"; tests wait for it to clear.
 * A view may return {destroy(), update(params), canLeave()}: `update` handles a param change inside the
 * same view without remounting; `canLeave` (async) may veto navigation (unsaved changes).
 */

import { h } from './dom.js';
import { DEFAULT_PATH, routes } from './routes.js';
import { errorState, loadingState } from './ui/states.js';

let root = null;
let current = null; // {route, path, handle}
let generation = 0;

function currentPath() {
  const path = decodeURIComponent(window.location.hash.replace(/^#/, ''));
  return path || DEFAULT_PATH;
}

function match(path) {
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (found) return { route, params: { ...(found.groups || {}) } };
  }
  return null;
}

function markNav(nav) {
  document.querySelectorAll('[data-nav]').forEach((link) => {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  });
}

/** Replace the current path without remounting (for in-view state such as the selected tab). */
export function replacePath(path) {
  window.history.replaceState(null, '', `#${path}`);
  if (current) current.path = path;
}

/** Navigate to a path (adds a history entry). */
export function navigate(path) {
  window.location.hash = `#${path}`;
}

async function render() {
  const path = currentPath();
  const found = match(path);
  if (!found) {
    window.history.replaceState(null, '', `#${DEFAULT_PATH}`);
    render();
    return;
  }
  if (current && current.path === path) return;
  if (current && current.route === found.route && current.handle && typeof current.handle.update === 'function') {
    current.path = path;
    current.handle.update(found.params);
    return;
  }
  if (current && current.handle && typeof current.handle.canLeave === 'function') {
    const leaving = current;
    if (!(await leaving.handle.canLeave())) {
      window.history.replaceState(null, '', `#${leaving.path}`);
      return;
    }
  }
  await mount(found, path);
}

async function mount({ route, params }, path) {
  generation += 1;
  const mine = generation;
  if (current && current.handle && typeof current.handle.destroy === 'function') current.handle.destroy();
  current = { route, path, handle: null };
  markNav(route.nav);
  document.title = `${route.title} · Gen Image Factory`;
  const section = h('section', { class: 'view', 'data-testid': `view-${route.view}`, 'aria-busy': 'true' }, loadingState());
  root.replaceChildren(section);
  try {
    const module = await route.load();
    const handle = await module.mount(section, params);
    if (mine !== generation) {
      if (handle && typeof handle.destroy === 'function') handle.destroy();
      return;
    }
    current.handle = handle || null;
  } catch (err) {
    if (mine !== generation) return;
    section.replaceChildren(errorState(err, () => { current = null; render(); }));
  }
  section.removeAttribute('aria-busy');
}

/** Start routing into `element`; call once. */
export function startRouter(element) {
  root = element;
  window.addEventListener('hashchange', render);
  render();
}
