/*
 * Before the first paint: mark on <html> the colour scheme in effect (data-scheme), which the one set of dark tokens
 * in css/app.css keys on. The theme setting (data-theme, written by the server, changed by Settings) wins; without
 * one ("system") the OS's scheme is used, and followed when it changes. A classic script, so it runs before paint.
 */
(function () {
  var root = document.documentElement;
  var osDark = window.matchMedia('(prefers-color-scheme: dark)');

  function mark() {
    var chosen = root.getAttribute('data-theme');
    var scheme = chosen === 'light' || chosen === 'dark' ? chosen : (osDark.matches ? 'dark' : 'light');
    if (root.getAttribute('data-scheme') !== scheme) root.setAttribute('data-scheme', scheme);
  }

  mark();
  osDark.addEventListener('change', mark);
  new MutationObserver(mark).observe(root, { attributes: true, attributeFilter: ['data-theme'] });
})();
