/** Extra inline SVG icons for the gallery, the image modal and the dashboard (same style as icons.js). */

const SVG_NS = 'http://www.w3.org/2000/svg';

const PATHS = {
  'chevron-left': ['M15 18l-6-6 6-6'],
  'chevron-right': ['M9 18l6-6-6-6'],
  'zoom-in': ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5', 'M11 8v6M8 11h6'],
  'zoom-out': ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5', 'M8 11h6'],
  fit: ['M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5'],
  copy: ['M9 9h10a1 1 0 011 1v10a1 1 0 01-1 1H9a1 1 0 01-1-1V10a1 1 0 011-1z', 'M5 15H4a1 1 0 01-1-1V4a1 1 0 011-1h10a1 1 0 011 1v1'],
  trash: ['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6', 'M10 11v6M14 11v6'],
  download: ['M12 3v12', 'M7 10l5 5 5-5', 'M5 21h14'],
  grid: ['M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z'],
  rows: ['M4 5h16M4 12h16M4 19h16'],
  search: ['M11 4a7 7 0 110 14 7 7 0 010-14z', 'M21 21l-5-5'],
  'external': ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 01-1 1H5a1 1 0 01-1-1V7a1 1 0 011-1h5'],
  'check-square': ['M4 4h16v16H4z', 'M8 12l3 3 5-6'],
  bolt: ['M13 2L4 14h7l-1 8 9-12h-7z'],
};

/** Return an <svg> element for a named glyph (aria-hidden). */
export function glyph(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  const attrs = {
    viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true',
  };
  Object.entries(attrs).forEach(([key, value]) => svg.setAttribute(key, value));
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
