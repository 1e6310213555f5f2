// Stroke icons drawn on a 24×24 grid (our own drawings, in the style of Feather/Lucide).
// Icons are decorative: the button or link around them carries the accessible name.
import { html } from '../html.js';

const PATHS = {
  play: 'M7 4.5v15l12-7.5z',
  stop: 'M6.5 6.5h11v11h-11z',
  trash: 'M4 7h16M9 7V4.5h6V7M6.5 7l1 13h9l1-13M10 11v5.5M14 11v5.5',
  copy: 'M9 9h10.5v11H9zM15 9V4H4.5v11H9',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  refresh: 'M20 11a8 8 0 0 0-14.5-4.5M4 5v4h4M4 13a8 8 0 0 0 14.5 4.5M20 19v-4h-4',
  plus: 'M12 5v14M5 12h14',
  download: 'M12 4v11M7 10.5l5 5 5-5M5 19.5h14',
  upload: 'M12 20V9M7 13.5l5-5 5 5M5 4.5h14',
  search: 'M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM15.5 15.5L20 20',
  settings: 'M4 7h9M17 7h3M4 17h3M11 17h9M15 4.5v5M9 14.5v5',
  grid: 'M4.5 4.5h6v6h-6zM13.5 4.5h6v6h-6zM4.5 13.5h6v6h-6zM13.5 13.5h6v6h-6z',
  list: 'M9 6h11M9 12h11M9 18h11M4.5 6h.01M4.5 12h.01M4.5 18h.01',
  terminal: 'M4 5h16v14H4zM7.5 9.5l3 2.5-3 2.5M12.5 15h4',
  monitor: 'M3.5 5h17v11h-17zM9 20h6M12 16v4',
  x: 'M6 6l12 12M18 6L6 18',
  clone: 'M8 8h11v11H8zM16 8V5H5v11h3',
  layers: 'M12 4l8.5 4.5L12 13 3.5 8.5zM3.5 12.5L12 17l8.5-4.5M3.5 16.5L12 21l8.5-4.5',
  box: 'M12 3.5l8 4v9l-8 4-8-4v-9zM4 7.5l8 4 8-4M12 11.5v9',
  alert: 'M12 4L2.5 20h19zM12 10v4.5M12 17.5h.01',
  info: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 11v5.5M12 7.5h.01',
  chevron: 'M9 6l6 6-6 6',
  chevronDown: 'M6 9l6 6 6-6',
  folder: 'M3.5 6.5h6l2 2h9v10h-17z',
  arrowUp: 'M12 19V5M6.5 10.5L12 5l5.5 5.5',
  arrowDown: 'M12 5v14M6.5 13.5L12 19l5.5-5.5',
  activity: 'M3 12h4l3-8 4 16 3-8h4',
  key: 'M14.5 9.5a4 4 0 1 0-3 3.9L13 15h2v2h2v2.5h3V17l-5.6-5.6c.1-.6.1-1.3 0-1.9z',
  external: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
  pause: 'M8 5v14M16 5v14',
  cpu: 'M7 7h10v10H7zM10 10h4v4h-4zM10 3v4M14 3v4M10 17v4M14 17v4M3 10h4M3 14h4M17 10h4M17 14h4',
  logout: 'M15 4h4.5v16H15M10 8l-4 4 4 4M6 12h10',
  power: 'M12 3.5v8M7.2 6.2a7.5 7.5 0 1 0 9.6 0',
  edit: 'M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4',
  drive: 'M3.5 13.5l2.5-8h12l2.5 8M3.5 13.5h17v5h-17zM16.5 16h.01M13.5 16h.01',
};

/** The stroke (fill, colour, width, caps, joins) is set in app.css (`.icon`), not on each
 * icon: a card draws six, and every attribute is one more DOM call when it is made. */
export function Icon({ name, size = 16, class: cls = '' }) {
  return html`<svg class=${`icon ${cls}`} width=${size} height=${size} viewBox="0 0 24 24"
    aria-hidden="true"><path d=${PATHS[name] || ''} /></svg>`;
}

/** The app's mark: a slice of cake on a tile. */
export function Logo({ size = 24 }) {
  return html`<svg class="logo" width=${size} height=${size} viewBox="0 0 32 32" aria-hidden="true">
    <rect class="logo-tile" width="32" height="32" rx="8" />
    <path class="logo-cake" d="M7 19.5 16 9l9 10.5v3.5H7z" />
    <path class="logo-layer" d="M7 19.5h18" stroke-width="2" />
    <circle class="logo-cherry" cx="16" cy="7" r="2" />
  </svg>`;
}
