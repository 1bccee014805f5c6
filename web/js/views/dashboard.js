/**
 * Dashboard: start / stop / force stop, live progress of the current job, its log, statistics across
 * jobs and the image gallery. One poller (get_progress) feeds every panel; panels update in place.
 */

import { call } from '../bridge.js';
import { ProgressPoller } from '../dashboard/poller.js';
import { GalleryPanel } from '../dashboard/gallery_panel.js';
import { LogPanel } from '../dashboard/log_panel.js';
import { ProgressPanel } from '../dashboard/progress_panel.js';
import { openStartDialog } from '../dashboard/start_dialog.js';
import { StatsStrip } from '../dashboard/stats_strip.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { confirmDialog } from '../ui/dialog.js';
import { toast, toastError } from '../ui/toast.js';

const TERMINAL = new Set(['completed', 'failed', 'stopped', 'interrupted']);

class DashboardView {
  constructor(root) {
    this.root = root;
    this.jobId = null;
    this.isRunning = false;
    this.stats = new StatsStrip();
    this.progress = new ProgressPanel();
    this.logs = new LogPanel();
    this.gallery = new GalleryPanel();
    this.poller = new ProgressPoller({ onData: (data, current) => this.onProgress(data, current), onError: (err) => this.onPollError(err) });
    this.render();
  }

  render() {
    this.startButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'job-start', onClick: () => this.start() }, icon('play'), 'Start job');
    this.stopButton = h('button', { class: 'btn', type: 'button', disabled: true, 'data-testid': 'job-stop', title: 'Finish the images in flight, start no new ones', onClick: () => this.stop() }, icon('stop'), 'Stop');
    this.forceButton = h('button', { class: 'btn btn-danger-ghost', type: 'button', disabled: true, 'data-testid': 'job-force-stop', title: 'Cancel the calls in flight now', onClick: () => this.forceStop() }, 'Force stop');
    this.queueBadge = h('span', { class: 'badge badge-warning', 'data-testid': 'queue-count', hidden: true });
    this.root.replaceChildren(
      h('header', { class: 'view-header' },
        h('div', {}, h('h1', { text: 'Dashboard' }), h('p', { class: 'subtitle', text: 'Turn a keyword file into finished, sellable images.' })),
        h('div', { class: 'toolbar' }, this.queueBadge, this.forceButton, this.stopButton, this.startButton)),
      this.stats.element,
      h('div', { class: 'dash-row' }, this.progress.element, this.logs.element),
      this.gallery.element);
  }

  async init() {
    this.stats.refresh();
    const jobs = await this.gallery.loadJobs();
    await this.gallery.load(1);
    // After a restart nothing runs: show the latest job's outcome and log until another one starts.
    if (jobs.length) this.poller.cursor = { execution_id: jobs[0].id, log_id: 0 };
    this.poller.start();
  }

  onProgress(data, current) {
    if (current !== null && current !== this.jobId) {
      this.jobId = current;
      // A job we started is watched from "queued"; one found running is watched from its first answer.
      this.lastStatus = current === this.startedId ? 'queued' : null;
      this.logs.reset(current);
      this.progress.describeJob(current);
      this.gallery.loadJobs();
    }
    if (current !== null) this.progress.update(data, current);
    this.logs.append(data.logs);
    this.gallery.applyChanges(data.images || []);
    this.paintControls(data);
    this.isRunning = data.is_running;
    const execution = data.execution && data.execution.id === this.jobId ? data.execution : null;
    if (execution) {
      if (TERMINAL.has(execution.status) && this.lastStatus && !TERMINAL.has(this.lastStatus)) this.finished(execution);
      this.lastStatus = execution.status;
    }
  }

  async finished(execution) {
    this.stats.refresh();
    const kind = execution.status === 'completed' ? 'success' : execution.status === 'failed' ? 'error' : 'info';
    toast(`Job "${execution.label}" ${execution.status}: ${execution.approved} approved of ${execution.generated} generated.`, { kind });
    await this.gallery.loadJobs();
    await this.gallery.load(); // reconcile counts with the server; shown cards are reused, nothing jumps
  }

  paintControls(data) {
    this.stopButton.disabled = !data.is_running;
    this.forceButton.disabled = !data.is_running;
    this.startButton.title = data.is_running ? 'A job is running: a new one waits in the queue' : '';
    const queued = (data.queue || []).length;
    this.queueBadge.hidden = queued === 0;
    this.queueBadge.textContent = `${queued} queued`;
  }

  onPollError(err) {
    if (!this.pollErrorShown) toastError(err, 'Progress is not updating.');
    this.pollErrorShown = true;
  }

  async start() {
    const execution = await openStartDialog({ isBusy: this.isRunning });
    if (!execution) return;
    this.startedId = execution.id;
    toast(execution.status === 'queued' && this.isRunning ? `Job "${execution.label}" added to the queue` : `Job "${execution.label}" started`, { kind: 'success' });
    if (!this.isRunning) this.poller.follow(execution.id);
    else this.poller.kick();
  }

  async stop() {
    try {
      await call('stop_job');
      toast('Stopping: images in flight finish first, no new ones start.', { kind: 'info' });
      this.stopButton.disabled = true;
      this.poller.kick();
    } catch (err) {
      toastError(err, 'Could not stop the job.');
    }
  }

  async forceStop() {
    const isOk = await confirmDialog({
      title: 'Force stop the job?',
      message: 'Calls in flight are cancelled now. Images already paid for stay recorded; unfinished ones show in Failed Images.',
      confirmLabel: 'Force stop', danger: true, testid: 'confirm-force-stop',
    });
    if (!isOk) return;
    try {
      await call('force_stop_job');
      toast('Force stop requested', { kind: 'info' });
      this.poller.kick();
    } catch (err) {
      toastError(err, 'Could not force-stop the job.');
    }
  }

  destroy() {
    this.poller.stop();
    this.gallery.destroy();
  }
}

/** Mount the dashboard into `root`. */
export async function mount(root) {
  const view = new DashboardView(root);
  await view.init();
  return { destroy: () => view.destroy() };
}
