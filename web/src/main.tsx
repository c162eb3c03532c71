import { render } from 'preact';
import { App } from './app.js';
import { startLive } from './live/live-hub.js';
import './styles.css';

const root = document.getElementById('app');
if (!root) throw new Error('dbferry: the page has no #app element');
render(<App />, root);
startLive();
