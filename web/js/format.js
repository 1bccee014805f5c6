/**
 * The page's one formatting module: dates, clock times, durations, money, counts, percentages, plurals and
 * status words. Every view formats through here so the same value reads the same everywhere.
 */

function parse(iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Return a local date and time ("21 Nov 2026, 19:49"), or a dash. */
export function dateTime(iso) {
  const date = parse(iso);
  if (!date) return '—';
  return date.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Return a compact local date and time; the year only when it is not this year. */
export function shortDateTime(iso) {
  const date = parse(iso);
  if (!date) return '—';
  const options = { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  if (date.getFullYear() !== new Date().getFullYear()) options.year = 'numeric';
  return date.toLocaleString(undefined, options);
}

/** Return the 24-hour local clock time of a stamp ("19:49:03") for log lines; empty when unknown. */
export function clockTime(iso) {
  const date = parse(iso);
  return date ? date.toLocaleTimeString(undefined, { hour12: false }) : '';
}

/** Return a duration in seconds as "1 h 2 min", "3 min 4 s" or "5.2 s"; a dash when unknown. */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.max(0, Number(seconds));
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(s % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Return a cost in US dollars ("$0.0608"); provider costs are fractions of a cent, so small amounts keep four decimals. */
export function money(value) {
  const v = Number(value || 0);
  if (v === 0) return '$0.00';
  return `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
}

/** Return an integer with thousands separators. */
export function formatCount(value) {
  return Number(value || 0).toLocaleString();
}

/** Return a 0..1 fraction as a whole percentage ("42%"). */
export function formatPercent(fraction) {
  return `${Math.round(Math.max(0, Math.min(1, Number(fraction) || 0)) * 100)}%`;
}

/** Return "n thing" or "n things". */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

/** Return a status name in words ("retry_failed" -> "Retry failed"), for filter options the server does not label. */
export function statusWord(status) {
  const text = String(status || '').replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Return the words for a job or image: the server's status_label, else the status name in words. */
export function statusLabel(item) {
  return (item && item.status_label) || statusWord(item && item.status);
}
