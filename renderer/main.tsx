import { boot } from './boot.js';
import { openBridge } from './bridge.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
boot(openBridge(), root);
