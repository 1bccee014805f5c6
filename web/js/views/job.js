/**
 * Single Job View (#/jobs/<id>): summary, as-run settings, images and the persisted log; rerun, resume,
 * export, rename, delete, and editing the configuration future reruns use. Refreshes in place while it runs.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';
import { icon } from '../icons.js';
import { deleteJobs, renameJob, rerunJobs, resumeJob } from '../jobs/actions.js';
import { exportJobXlsx } from '../jobs/exports.js';
import { editJobConfiguration } from '../jobs/job_config.js';
import { JobImages } from '../jobs/job_images.js';
import { LogPanel } from '../jobs/job_logs.js';
import { asRunSettings } from '../jobs/job_settings.js';
import { JobCosts } from '../jobs/job_costs.js';
import { JobSummary } from '../jobs/job_summary.js';
import { navigate } from '../router.js';
import { jobBadge, setJobBadge } from '../ui/badges.js';
import { poll } from '../ui/poll.js';
import { banner, emptyState } from '../ui/states.js';

const POLL_MS = 1500;
const TABS = [['overview', 'Overview'], ['images', 'Images'], ['logs', 'Log']];

class JobView {
  constructor(root, data) {
    this.root = root;
    this.job = data.execution;
    this.summary = new JobSummary();
    this.costs = new JobCosts();
    this.images = new JobImages(this.job.id);
    this.logs = new LogPanel(this.job.id);
    this.loaded = new Set();
    this.render(data);
    this.select('overview');
    this.apply(data);
  }

  render(data) {
    const job = this.job;
    this.title = h('h1', { 'data-testid': 'job-title', text: job.label });
    this.badge = jobBadge(job, 'job-status');
    this.subtitle = h('p', { class: 'subtitle', 'data-testid': 'job-subtitle' });
    this.resume = h('button', { class: 'btn', type: 'button', 'data-testid': 'job-resume', hidden: true, onClick: () => this.doResume() }, icon('play'), 'Resume');
    this.deleteButton = h('button', { class: 'btn btn-danger-ghost btn-icon', type: 'button', title: 'Delete job', 'aria-label': 'Delete job', 'data-testid': 'job-delete', onClick: () => this.doDelete() }, icon('trash'));
    this.rerunButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'job-rerun', onClick: () => this.doRerun() }, icon('refresh'), 'Rerun');
    this.notice = h('div', { class: 'job-notice', 'aria-live': 'polite' });
    this.tabs = new Map();
    this.panels = new Map([
      ['overview', h('div', { class: 'tab-panel', 'data-testid': 'job-panel-overview' }, asRunSettings(data.settings_rows))],
      ['images', h('div', { class: 'tab-panel', 'data-testid': 'job-panel-images' }, this.images.element)],
      ['logs', h('div', { class: 'tab-panel', 'data-testid': 'job-panel-logs' }, this.logs.element)],
    ]);
    const tablist = h('div', { class: 'tabs-inline job-tabs', role: 'tablist', 'aria-label': 'Job sections', onKeydown: (e) => this.tabKeys(e) },
      TABS.map(([name, label]) => {
        const tab = h('button', { type: 'button', role: 'tab', id: `job-tab-${name}`, 'aria-controls': `job-panel-${name}`, 'data-testid': `job-tab-${name}`, onClick: () => this.select(name) }, label);
        this.tabs.set(name, tab);
        return tab;
      }));
    for (const [name, panel] of this.panels) { panel.setAttribute('role', 'tabpanel'); panel.id = `job-panel-${name}`; panel.setAttribute('aria-labelledby', `job-tab-${name}`); }
    this.root.replaceChildren(
      h('a', { class: 'back-link', href: '#/jobs', 'data-testid': 'job-back' }, icon('chevron-left'), 'All jobs'),
      h('header', { class: 'view-header job-header' },
        h('div', { class: 'job-heading' }, h('div', { class: 'title-row' }, this.title, this.badge,
          h('button', { class: 'btn btn-ghost btn-icon btn-sm', type: 'button', title: 'Rename', 'aria-label': 'Rename job', 'data-testid': 'job-rename', onClick: () => this.doRename() }, icon('pencil'))), this.subtitle),
        h('div', { class: 'toolbar' },
          this.resume,
          h('button', { class: 'btn', type: 'button', 'data-testid': 'job-edit-config', onClick: () => this.doEdit() }, icon('sliders'), 'Edit configuration'),
          h('button', { class: 'btn', type: 'button', 'data-testid': 'job-export', onClick: () => exportJobXlsx(this.job) }, icon('download'), 'Export Excel'),
          this.deleteButton,
          this.rerunButton)),
      this.notice,
      this.summary.element,
      this.costs.element,
      h('section', { class: 'card job-sections' }, tablist, h('div', { class: 'card-body' }, [...this.panels.values()])));
  }

  /** Show fresh get_job data in place. */
  apply(data) {
    const job = data.execution;
    this.job = job;
    if (this.title.textContent !== job.label) this.title.textContent = job.label;
    document.title = `${job.label} · Gen Image Factory`;
    setJobBadge(this.badge, job);
    const parts = [`#${job.id}`, `created ${dateTime(job.created_at)}`];
    if (job.parent_id) parts.push(`rerun of #${job.parent_id}`);
    this.subtitle.replaceChildren(parts.join(' · '));
    if (job.parent_id) this.subtitle.append(' ', h('a', { href: `#/jobs/${job.parent_id}`, text: 'open original' }));
    // Action visibility comes from the flags the API sends with the job.
    this.resume.hidden = !job.is_resumable;
    this.rerunButton.hidden = !job.can_rerun;
    this.deleteButton.disabled = !job.can_delete;
    this.summary.update(job);
    this.costs.update(data.cost_breakdown);
  }

  select(name) {
    for (const [tabName, tab] of this.tabs) {
      const isOn = tabName === name;
      tab.setAttribute('aria-selected', String(isOn));
      tab.tabIndex = isOn ? 0 : -1;
      this.panels.get(tabName).hidden = !isOn;
    }
    this.active = name;
    if (this.loaded.has(name)) return;
    this.loaded.add(name);
    if (name === 'images') this.images.load();
    if (name === 'logs') this.logs.reload();
  }

  tabKeys(event) {
    const names = TABS.map(([n]) => n);
    const index = names.indexOf(this.active);
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = names[(index + step + names.length) % names.length];
    this.select(next);
    this.tabs.get(next).focus();
  }

  /** Poll while the job is active (queued or running), plus one last refresh after it ends. */
  startPolling() {
    if (this.poller && !this.poller.isStopped) return;
    this.poller = poll(() => this.refresh(), {
      intervalMs: POLL_MS, idleMs: null, immediate: false, root: this.root, isActive: (keepGoing) => keepGoing,
    });
  }

  /** Refresh in place; return whether to poll again. */
  async refresh() {
    if (this.isDestroyed) return false;
    const wasActive = this.job.is_active;
    try {
      const data = await call('get_job', this.job.id);
      if (this.isDestroyed) return false;
      this.apply(data);
      if (this.loaded.has('logs')) await this.logs.refresh();
      if (this.loaded.has('images')) await this.images.load();
    } catch (err) {
      if (err.code === 'not_found') { this.gone(); return false; }
    }
    // Lines and images of the last moments may land just after the status changes: read once more.
    return this.job.is_active || wasActive;
  }

  gone() {
    this.root.replaceChildren(missing(this.job.id));
  }

  async doRerun() {
    const [created] = await rerunJobs([this.job.id]);
    if (!created) return;
    this.notice.replaceChildren(h('div', { class: 'banner banner-info', 'data-testid': 'job-rerun-notice' }, icon('info'),
      h('div', { class: 'banner-text' }, 'Rerun queued as ', h('a', { href: `#/jobs/${created.id}`, 'data-testid': 'job-rerun-link', text: created.label }), '.')));
  }

  async doResume() {
    if (await resumeJob(this.job)) this.restartPolling();
  }

  async doRename() {
    const renamed = await renameJob(this.job);
    if (renamed) this.apply({ execution: renamed });
  }

  async doEdit() {
    const isSaved = await editJobConfiguration(this.job);
    if (isSaved) this.notice.replaceChildren(banner('Configuration saved. Reruns of this job will use it; this run’s settings stay as recorded.', { tone: 'info', testid: 'config-saved-notice', dismissible: true }));
  }

  async doDelete() {
    if (await deleteJobs([this.job])) navigate('/jobs');
  }

  restartPolling() {
    if (this.poller) this.poller.stop();
    this.poller = null;
    this.startPolling();
    this.poller.kick();
  }

  destroy() {
    this.isDestroyed = true;
    if (this.poller) this.poller.stop();
    this.logs.destroy();
  }
}

function missing(id) {
  return emptyState({
    iconName: 'list', title: 'Job not found', text: `Job ${id} has no recorded run. It may have been deleted.`, testid: 'job-missing',
    actions: [h('a', { class: 'btn', href: '#/jobs', text: 'Back to Jobs' })],
  });
}

/** Mount the view of job `params.id` into `root`. */
export async function mount(root, params) {
  const id = Number(params.id);
  let data;
  try {
    if (!Number.isInteger(id)) throw Object.assign(new Error('No such job'), { code: 'not_found' });
    data = await call('get_job', id);
  } catch (err) {
    if (err.code !== 'not_found' && err.code !== 'validation_error') throw err;
    root.replaceChildren(h('a', { class: 'back-link', href: '#/jobs' }, icon('chevron-left'), 'All jobs'), h('div', { class: 'card' }, missing(params.id)));
    return {};
  }
  const view = new JobView(root, data);
  if (data.execution.is_active) view.startPolling();
  return { destroy: () => view.destroy() };
}
