// Small helpers both pages share. Text reaches the page through textContent only, never as HTML, so a
// name or message from the repository cannot become markup.

export const $ = id => document.getElementById(id);

export function text(element, value) {
  element.textContent = value ?? '';
  return element;
}

export function element(tag, className, value) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (value !== undefined) node.textContent = value;
  return node;
}

/** "3 days", "5 hours", "12 minutes": how long ago (or until) a moment is, roughly. */
export function span(milliseconds) {
  const seconds = Math.abs(milliseconds) / 1000;
  const units = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];
  for (const [unit, size] of units) {
    if (seconds >= size || unit === 'second') {
      const count = Math.floor(seconds / size);
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  return '';
}

export function relative(date, now = new Date()) {
  if (!date) return '—';
  const difference = date.getTime() - now.getTime();
  return difference <= 0 ? `${span(difference)} ago` : `in ${span(difference)}`;
}

export function utc(date) {
  return date ? date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—';
}
