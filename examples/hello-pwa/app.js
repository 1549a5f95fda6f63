// Counts clicks in localStorage and registers the service worker: both only work on a real
// origin, which the nativiweb shell gives the bundled files (https://appassets.androidplatform.net/).
const out = document.getElementById('count');
const key = 'hello-pwa.clicks';
out.textContent = localStorage.getItem(key) ?? '0';
document.getElementById('click').addEventListener('click', () => {
  const n = Number(localStorage.getItem(key) ?? '0') + 1;
  localStorage.setItem(key, String(n));
  out.textContent = String(n);
});

const status = document.getElementById('sw');
if ('serviceWorker' in navigator) {
  navigator.serviceWorker
    .register('sw.js')
    .then((reg) => { status.textContent = `Service worker: registered (scope ${reg.scope})`; })
    .catch((err) => { status.textContent = `Service worker: failed (${err})`; });
} else {
  status.textContent = 'Service worker: not supported here';
}
