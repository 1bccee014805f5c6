/** The colour theme: "light" or "dark" as chosen in Settings (ui.theme), or the OS's when "system". */

/** Apply a theme to the page at once; the server puts the saved one on <html> before the first paint. */
export function applyTheme(theme) {
  const root = document.documentElement;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else delete root.dataset.theme;
}
