// Runs in the page (tests/e2e/layout_support.py): lists the problems of every visible control (button,
// input, select, textarea, link, summary, status chip) - outside the viewport horizontally, partly overlapping
// another control, or covered at its centre - and form labels squeezed to a sliver. A control wholly inside a
// larger one and on top there (a checkbox on a thumbnail) is an overlay, not a clash.
() => {
  const width = document.documentElement.clientWidth;
  const height = document.documentElement.clientHeight;
  // Status chips (.badge) count too: the issue saw them overlapping the key inputs.
  const selector = 'button, input, select, textarea, a[href], summary, .badge';
  const isShown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width < 3 || box.height < 3) return false;
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) return false;
    }
    const details = el.closest('details:not([open])');
    if (details && !el.closest('summary')) return false;  // a closed menu's items are not drawn
    return !el.closest('[hidden], dialog:not([open]), .visually-hidden');
  };
  const name = (el) => el.dataset.testid || el.getAttribute('aria-label') || el.id ||
    `${el.tagName.toLowerCase()}:${(el.textContent || el.value || '').trim().slice(0, 30)}`;
  const modal = document.querySelector('dialog[open]');
  const scope = modal || document;
  // Toasts float over every panel for a few seconds by design; they are not part of a layout.
  const controls = [...scope.querySelectorAll(selector)].filter((el) => isShown(el) && !el.closest('#toasts'));
  const boxes = controls.map((el) => el.getBoundingClientRect());
  const problems = [];
  controls.forEach((el, i) => {
    const box = boxes[i];
    if (box.left < -0.5 || box.right > width + 0.5) {
      problems.push(`${name(el)} is outside the window (${Math.round(box.left)}..${Math.round(box.right)} of ${width})`);
    }
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    if (x >= 0 && x < width && y >= 0 && y < height) {
      const hit = document.elementFromPoint(x, y);
      const label = el.labels && el.labels[0];
      const ok = hit && (el === hit || el.contains(hit) || (label && label.contains(hit)) || hit.contains(el));
      // A sticky bar may cover content scrolled under it: only flag what the bar itself does not hold.
      const sticky = hit && hit.closest('.settings-bar, .view-header, #toasts');
      if (!ok && !sticky) problems.push(`${name(el)} is covered at its centre by ${hit ? name(hit) : 'nothing'}`);
    }
  });
  for (let i = 0; i < controls.length; i += 1) {
    for (let j = i + 1; j < controls.length; j += 1) {
      const [a, b] = [controls[i], controls[j]];
      if (a.contains(b) || b.contains(a)) continue;
      if ((a.labels && [...a.labels].some((l) => l.contains(b))) || (b.labels && [...b.labels].some((l) => l.contains(a)))) continue;
      const [p, q] = [boxes[i], boxes[j]];
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w <= 1 || h <= 1) continue;
      const inside = (r, s) => r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 && r.bottom <= s.bottom + 1;
      if (inside(p, q) || inside(q, p)) continue;  // an overlay on a larger control
      problems.push(`${name(a)} overlaps ${name(b)} (${Math.round(w)}x${Math.round(h)} px)`);
    }
  }
  // A form label squeezed to a sliver (one word a line) means the form should have stacked it above its input.
  for (const label of scope.querySelectorAll('.field-label, .key-title')) {
    const box = label.getBoundingClientRect();
    if (isShown(label) && box.width < 140) problems.push(`label "${label.textContent.trim().slice(0, 30)}" is squeezed to ${Math.round(box.width)} px`);
  }
  return { problems, count: controls.length };
}
