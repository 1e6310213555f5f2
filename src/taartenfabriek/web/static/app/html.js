// htm bound to Preact: tagged templates instead of JSX, so there is no build step.
// Preact inserts every interpolated string as text, never as HTML.
import { h, Fragment } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
export { Fragment };
