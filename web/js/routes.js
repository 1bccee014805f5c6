/**
 * The route table. To add a view: write js/views/<name>.js exporting
 * `mount(root, params) -> {destroy?, update?, canLeave?} | void`, then add a line here
 * (and a nav link in index.html if it belongs in the sidebar).
 */

export const DEFAULT_PATH = '/dashboard';

export const routes = [
  { pattern: /^\/dashboard$/, view: 'dashboard', nav: 'dashboard', title: 'Dashboard', load: () => import('./views/dashboard.js') },
  { pattern: /^\/jobs$/, view: 'jobs', nav: 'jobs', title: 'Jobs', load: () => import('./views/jobs.js') },
  { pattern: /^\/jobs\/(?<id>[^/]+)$/, view: 'job', nav: 'jobs', title: 'Job', load: () => import('./views/job.js') },
  { pattern: /^\/failed$/, view: 'failed', nav: 'failed', title: 'Failed Images', load: () => import('./views/failed.js') },
  { pattern: /^\/settings(?:\/(?<tab>[a-z_]+)(?:\/(?<field>[a-z_]+\.[a-z_]+))?)?$/, view: 'settings', nav: 'settings', title: 'Settings', load: () => import('./views/settings.js') },
];
