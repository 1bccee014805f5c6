/** The page's one icon set: inline SVG icons (stroke style, 24x24) built as DOM nodes. */

const SVG_NS = 'http://www.w3.org/2000/svg';

// Each entry is a list of shapes: a path's `d`, or "circle:cx,cy,r" / "rect:x,y,w,h" (rounded).
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
  'chevron-left': ['M15 18l-6-6 6-6'],
  'chevron-right': ['M9 18l6-6-6-6'],
  'zoom-in': ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5', 'M11 8v6M8 11h6'],
  'zoom-out': ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5', 'M8 11h6'],
  fit: ['M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5'],
  copy: ['M9 9h10a1 1 0 011 1v10a1 1 0 01-1 1H9a1 1 0 01-1-1V10a1 1 0 011-1z', 'M5 15H4a1 1 0 01-1-1V4a1 1 0 011-1h10a1 1 0 011 1v1'],
  trash: ['M3 6h18', 'M8 6V4a2 2 0 012-2h4a2 2 0 012 2v2', 'M19 6l-1 14a2 2 0 01-2 2H8a2 2 0 01-2-2L5 6', 'M10 11v6M14 11v6'],
  download: ['M21 15v4a2 2 0 01-2 2H5a2 2 0 01-2-2v-4', 'M7 10l5 5 5-5', 'M12 15V3'],
  grid: ['M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z'],
  rows: ['M4 5h16M4 12h16M4 19h16'],
  search: ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5'],
  external: ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 01-1 1H5a1 1 0 01-1-1V7a1 1 0 011-1h5'],
  'check-square': ['M4 4h16v16H4z', 'M8 12l3 3 5-6'],
  bolt: ['M13 2L4 14h7l-1 8 9-12h-7z'],
  eye: ['M1 12s4-7 11-7 11 7 11 7-4 7-11 7S1 12 1 12z', 'M12 9a3 3 0 100 6 3 3 0 000-6z'],
  pencil: ['M12 20h9', 'M16.5 3.5a2.1 2.1 0 013 3L7 19l-4 1 1-4z'],
  sliders: ['M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3', 'M1 14h6M9 8h6M17 16h6'],
  clock: ['M12 22a10 10 0 100-20 10 10 0 000 20z', 'M12 6v6l4 2'],
};

const SVG_ATTRS = {
  viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8',
  'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true',
};

function shape(spec) {
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
  return node;
}

/** Return an <svg> element for a named icon (aria-hidden); an unknown name gives an empty icon. */
export function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  Object.entries(SVG_ATTRS).forEach(([key, value]) => svg.setAttribute(key, value));
  for (const spec of PATHS[name] || []) svg.append(shape(spec));
  return svg;
}
