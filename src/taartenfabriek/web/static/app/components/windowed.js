// A long list that renders only what is in (or near) the window: 1,000 VMs stay smooth while
// scrolling and filtering, even on a slow CPU, because the DOM holds a screenful or two of
// them. The page itself scrolls (no inner scroll box, so the sticky header and Find work as
// usual); the list keeps the whole list's height, so the scrollbar tells the truth.
//
// Each frame adds a few items at most (its pace, below): scrolling, a jump (Home, a scrollbar
// drag) or new items (a filter, a sort) fill the window over a few short frames, the items in
// view first, instead of one long one, so no task blocks the page for long (issue 19.12: none
// over 50 ms with the CPU slowed 4x). The renderer places each item absolutely, so an item
// that comes in is laid out alone. The shape (columns, row height) is measured when the list
// or the window changes, not on every scroll frame.
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';

const OVERSCAN = 2; // rows rendered beyond each edge of the window
// The pace of a fill (items a frame may add) follows what the last frames cost: each step
// that adds items times its frame (script, style, layout, paint) until the next task runs,
// and the next step adds as many as fit in BUDGET_MS at that cost per item, between the
// layout's `grow` and `most`. A fast machine fills a jump of the scrollbar in a few frames;
// a slow one (or DevTools' 4x CPU slow-down, where one card costs 10-35 ms) adds one a frame.
const BUDGET_MS = 12;
const paces = new WeakMap(); // layout function -> { perItem }: kept when a list is shown again

/** `layout(el)` -> { columns, rowHeight, grow, most, measured } for the list's element (a guess
 * for null). `render(items, at)` gets the rendered slice and `at` = { first (index of
 * items[0] in the whole list), columns, rows, rowHeight }: the renderer places each item
 * itself (its row and column follow from `first`) and makes its box as tall as every row.
 * `lightFirst`: an item that comes in after the first render is rendered light first
 * (`render`'s third argument, `isLight(item)`, says which are) and whole in a frame of its
 * own, before any other item comes in: a frame then makes half an item, not a whole one.
 * `gradual`: fill the first window over frames too, from the next one (a list shown again
 * after a filter or a change of view: the click that hides the other view is a task of its
 * own), rather than at once (the page's first render, which should show a full screen as
 * soon as it can). */
export function Windowed({ items, layout, render, reset, gradual = false, lightFirst = false, keyOf = (item) => item.name }) {
  const box = useRef(null);
  const shape = useRef(null);
  const shown = useRef(new Set()); // the keys of the items rendered last
  const schedule = useRef(() => {});
  if (!paces.has(layout)) paces.set(layout, { perItem: 0 }); // ms per item added, as last measured
  const pace = paces.get(layout);
  const light = useRef(new Set()); // keys rendered light, in the order they came in
  const [, setUpgraded] = useState(0);
  const [range, setRange] = useState(() => initial(items.length, layout(null), gradual));

  useLayoutEffect(() => {
    let frame = 0;
    const measure = () => {
      if (box.current) shape.current = layout(box.current);
    };
    const step = () => {
      frame = 0;
      const el = box.current;
      if (!el) return;
      if (!shape.current?.measured) measure();
      const { columns, rowHeight } = shape.current;
      const grow = paced(pace, shape.current);
      const began = performance.now();
      if (light.current.size) {
        // Items that came in light are made whole first, a frame of their own.
        const whole = [...light.current].slice(0, grow);
        for (const key of whole) light.current.delete(key);
        setUpgraded((n) => n + 1);
        timeFrame(pace, began, whole.length);
        later();
        return;
      }
      const top = el.getBoundingClientRect().top; // the list's top, relative to the window
      const rows = Math.ceil(items.length / columns);
      const inView = clamp(Math.floor(-top / rowHeight), 0, rows);
      const want = {
        start: clamp((inView - OVERSCAN) * columns, 0, items.length),
        end: clamp((inView + Math.ceil(window.innerHeight / rowHeight) + OVERSCAN) * columns, 0, items.length),
        from: clamp(inView * columns, 0, items.length),
      };
      setRange((old) => {
        const next = old.columns === columns && old.rowHeight === rowHeight
          ? approach(old, want, grow) : { ...approach({ start: 0, end: 0 }, want, grow), columns, rowHeight };
        if (next.start !== want.start || next.end !== want.end) later();
        const added = (next.end - next.start) - Math.max(0, Math.min(next.end, old.end) - Math.max(next.start, old.start));
        if (added > 0) timeFrame(pace, began, added);
        return next.start === old.start && next.end === old.end && next.columns === old.columns ? old
          : { ...old, ...next };
      });
    };
    const later = () => {
      if (!frame) frame = requestAnimationFrame(step);
    };
    const resized = () => {
      measure();
      later();
    };
    schedule.current = later;
    measure();
    if (gradual && range.end === 0) later(); // a list shown again: its first items next frame
    else step();
    window.addEventListener('scroll', later, { passive: true });
    window.addEventListener('resize', resized);
    return () => {
      if (frame) cancelAnimationFrame(frame);
      window.removeEventListener('scroll', later);
      window.removeEventListener('resize', resized);
    };
  }, [items.length, reset]);

  const { columns, rowHeight } = range;
  const rows = Math.ceil(items.length / columns);
  let end = Math.min(items.length, range.end);
  const start = Math.min(range.start, end);
  // New items where the rendered ones were (a filter, a sort): the first few of them now, the
  // rest over the next frames, as with a jump.
  const grow = shape.current ? paced(pace, shape.current) : columns;
  let fresh = 0;
  for (let i = start; i < end && fresh <= grow; i += 1) {
    if (!shown.current.has(keyOf(items[i]))) fresh += 1;
  }
  const cut = fresh > grow && shown.current.size > 0; // the first screen at once
  if (cut) end = start + grow;
  useLayoutEffect(() => {
    if (cut) {
      setRange((old) => ({ ...old, start, end }));
      schedule.current();
    }
  });
  const slice = items.slice(start, end);
  const keys = new Set(slice.map(keyOf));
  for (const key of light.current) if (!keys.has(key)) light.current.delete(key);
  if (lightFirst && (shown.current.size > 0 || gradual)) {
    for (const key of keys) if (!shown.current.has(key)) light.current.add(key);
  }
  if (light.current.size) schedule.current();
  shown.current = keys;
  return html`<div ref=${box} class="windowed" data-rendered=${slice.length} data-total=${items.length}>
    ${render(slice, { first: start, columns, rows, rowHeight }, (item) => light.current.has(keyOf(item)))}
  </div>`;
}

/** One frame's step from the rendered items `old` toward the wanted ones: items that left the
 * window go at once, at most `grow` come in (those in view and below it first); with
 * nothing in common, it starts again from the first item in view. */
function approach(old, want, grow) {
  const { start, end, from } = want;
  if (old.end <= start || old.start >= end || old.start >= old.end) {
    return { start: from, end: Math.min(end, from + grow) };
  }
  let next = { start: Math.max(start, old.start), end: Math.min(end, old.end) };
  let budget = grow;
  const below = Math.min(budget, end - next.end); // what is in view and below it first
  next = { ...next, end: next.end + below };
  budget -= below;
  return { ...next, start: Math.max(start, next.start - budget) };
}

/** Items the next frame may add. */
function paced(pace, { grow, most = grow }) {
  if (!pace.perItem) return grow;
  return clamp(Math.floor(BUDGET_MS / pace.perItem), grow, most);
}

/** Time a frame that adds `added` items, from `began` (in its animation-frame callback) to
 * the first task after it: the frame's rendering is done by then. */
function timeFrame(pace, began, added) {
  timings.push({ pace, began, added });
  if (timings.length === 1) afterFrame.port2.postMessage(null);
}

const timings = [];
const afterFrame = new MessageChannel();
afterFrame.port1.onmessage = () => {
  const now = performance.now();
  for (const { pace, began, added } of timings.splice(0)) {
    const perItem = (now - began) / added;
    pace.perItem = pace.perItem ? (pace.perItem + perItem) / 2 : perItem;
  }
};

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

function initial(count, shape, gradual) {
  const rows = Math.ceil(window.innerHeight / shape.rowHeight) + OVERSCAN;
  const end = gradual ? 0 : rows * shape.columns;
  return { start: 0, end: Math.min(count, end), columns: shape.columns, rowHeight: shape.rowHeight };
}
