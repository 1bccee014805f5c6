/** Inline SVG icons (stroke style, 24x24) built as DOM nodes. */

const SVG_NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  check: ['M20 6L9 17l-5-5'],
  info: ['M12 16v-4M12 8h.01', 'circle:12,12,10'],
  alert: ['M10.3 3.9L1.8 18a2 2 0 001.7 3h17a2 2 0 001.7-3L13.7 3.9a2 2 0 00-3.4 0z', 'M12 9v4M12 17h.01'],
  error: ['circle:12,12,10', 'M15 9l-6 6M9 9l6 6'],
  close: ['M18 6L6 18M6 6l12 12'],
  play: ['M6 4l14 8-14 8z'],
  stop: ['rect:6,6,12,12'],
  list: ['M8 6h13M8 12h13M8 18h13', 'M3.5 6h.01M3.5 12h.01M3.5 18h.01'],
  image: ['rect:3,3,18,18', 'circle:9,9,2', 'M21 15l-5-5L5 21'],
  key: ['M21 2l-2 2m-7.6 7.6a5.5 5.5 0 11-7.8 7.8 5.5 5.5 0 017.8-7.8zM15.5 7.5l3 3L22 7l-3-3'],
  folder: ['M3 7a2 2 0 012-2h4l2 2h8a2 2 0 012 2v8a2 2 0 01-2 2H5a2 2 0 01-2-2z'],
  refresh: ['M21 12a9 9 0 11-3-6.7L21 8', 'M21 3v5h-5'],
  reset: ['M3 12a9 9 0 103-6.7L3 8', 'M3 3v5h5'],
  terminal: ['M4 17l6-6-6-6M12 19h8'],
};

/** Return an <svg> element for a named icon (aria-hidden). */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('fill', 'none');
  svg.setAttribute('stroke', 'currentColor');
  svg.setAttribute('stroke-width', '1.8');
  svg.setAttribute('stroke-linecap', 'round');
  svg.setAttribute('stroke-linejoin', 'round');
  svg.setAttribute('aria-hidden', 'true');
  for (const spec of PATHS[name] || []) {
    let node;
    if (spec.startsWith('circle:')) {
      const [cx, cy, r] = spec.slice(7).split(',');
      node = document.createElementNS(SVG_NS, 'circle');
      Object.entries({ cx, cy, r }).forEach(([k, v]) => node.setAttribute(k, v));
    } else if (spec.startsWith('rect:')) {
      const [x, y, width, height] = spec.slice(5).split(',');
      node = document.createElementNS(SVG_NS, 'rect');
      Object.entries({ x, y, width, height, rx: '2' }).forEach(([k, v]) => node.setAttribute(k, v));
    } else {
      node = document.createElementNS(SVG_NS, 'path');
      node.setAttribute('d', spec);
    }
    svg.append(node);
  }
  return svg;
}
