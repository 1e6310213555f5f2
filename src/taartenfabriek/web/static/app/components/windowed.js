// A long list that renders only what is in (or near) the window: 1,000 VMs stay smooth while
// scrolling and filtering, even on a slow CPU, because the DOM holds a screenful or two of
// them. The page itself scrolls (no inner scroll box, so the sticky header and Find work as
// usual); spacers above and below keep the scrollbar true to the whole list.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';

const OVERSCAN = 2; // rows rendered beyond each edge of the window
const STEP = 1; // rows the range moves by: small steps keep each re-render (one task) short

/** `layout(el)` -> { columns, rowHeight } for the list's element (null before it exists). `render(items,
 * before, after)` gets the visible slice and the heights to leave above and below it. */
export function Windowed({ items, layout, render, reset }) {
  const box = useRef(null);
  const [range, setRange] = useState(() => initial(items.length, layout(null)));

  useLayoutEffect(() => {
    let frame = 0;
    const update = () => {
      frame = 0;
      const el = box.current;
      if (!el) return;
      const shape = layout(el);
      const top = el.getBoundingClientRect().top; // the list's top, relative to the window
      const rows = Math.ceil(items.length / shape.columns);
      const first = Math.max(0, Math.floor(-top / shape.rowHeight) - OVERSCAN);
      const visible = Math.ceil(window.innerHeight / shape.rowHeight) + 2 * OVERSCAN;
      const start = Math.max(0, Math.min(rows, Math.floor(first / STEP) * STEP));
      const end = Math.min(rows, Math.ceil((first + visible) / STEP) * STEP + STEP);
      setRange((old) => (old.start === start && old.end === end && old.columns === shape.columns && old.rowHeight === shape.rowHeight
        ? old : { start, end, columns: shape.columns, rowHeight: shape.rowHeight }));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
    };
  }, [items.length, reset]);

  const { start, end, columns, rowHeight } = range;
  const rows = Math.ceil(items.length / columns);
  const last = Math.min(rows, end);
  const shown = items.slice(start * columns, last * columns);
  const before = start * rowHeight;
  const after = Math.max(0, (rows - last) * rowHeight);
  return html`<div ref=${box} class="windowed" data-rendered=${shown.length} data-total=${items.length}>
    ${render(shown, before, after)}
  </div>`;
}

function initial(count, shape) {
  const rows = Math.ceil(count / shape.columns);
  const end = Math.min(rows, Math.ceil(window.innerHeight / shape.rowHeight) + 2 * OVERSCAN);
  return { start: 0, end, columns: shape.columns, rowHeight: shape.rowHeight };
}
