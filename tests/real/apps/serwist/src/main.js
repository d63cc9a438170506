// The app's entry: registers the Serwist worker (/sw.js) itself; the settings screen is a
// lazily loaded route chunk (its hashed name changes with each deploy).
import './style.css';

document.body.dataset.app = import.meta.env.VITE_APP_VERSION;
window.loadSettings = () => import('./settings.js').then((m) => m.render());

if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => navigator.serviceWorker.register('/sw.js'));
}
