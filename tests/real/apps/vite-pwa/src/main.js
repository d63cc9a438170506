// The app's entry: registers the worker through vite-plugin-pwa's virtual module; the
// settings screen is a lazily loaded route chunk (its hashed name changes with each deploy).
import { registerSW } from 'virtual:pwa-register';
import './style.css';

document.body.dataset.app = import.meta.env.VITE_APP_VERSION;
window.loadSettings = () => import('./settings.js').then((m) => m.render());

const button = document.getElementById('update');
const updateSW = registerSW({
  immediate: true,
  // Called only with registerType 'prompt': a new worker is waiting.
  onNeedRefresh() {
    button.hidden = false;
    button.onclick = () => updateSW(true);
  },
});
