// Entry point: show the gate or the app (the launch URL's token was taken by boot.js).
import { render } from 'preact';
import { html } from './html.js';
import { setState } from './state.js';
import { currentToken } from './token.js';
import { connect } from './data.js';
import { startRouter } from './router.js';
import { App } from './views/app.js';

startRouter();
if (currentToken()) {
  connect();
} else {
  setState({ auth: 'missing' });
}
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
