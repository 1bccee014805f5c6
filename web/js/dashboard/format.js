/** Number, duration and percentage formatting shared by the dashboard panels. */

/** Return seconds as "42 s", "3 min 5 s" or "1 h 2 min"; a dash when unknown. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const total = Math.max(0, Math.round(Number(seconds)));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${total % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Return a 0..1 fraction as a whole percentage string. */
export function formatPercent(fraction) {
  return `${Math.round(Math.max(0, Math.min(1, Number(fraction) || 0)) * 100)}%`;
}

/** Return an integer with thousands separators. */
export function formatCount(value) {
  return Number(value || 0).toLocaleString();
}
