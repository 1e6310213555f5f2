// Entry point: take the token from the launch URL, then show the gate or the app.
import { render } from 'preact';
import { html } from './html.js';
import { setState } from './state.js';
import { adoptTokenFromUrl, currentToken } from './token.js';
import { connect } from './data.js';
import { startRouter } from './router.js';
import { App } from './views/app.js';

adoptTokenFromUrl();
startRouter();
if (currentToken()) {
  connect();
} else {
  setState({ auth: 'missing' });
}
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
