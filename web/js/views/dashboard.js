/**
 * Dashboard: start / stop / force stop, live progress of the current job, its log, statistics across
 * jobs and the image gallery. One poll of get_progress feeds every panel; panels update in place.
 * It polls every ~500 ms while a job runs or waits in the queue, every 2 s when idle (a job may start from
 * another view), keeps the cursor, and reads a job's log from its start when it becomes current.
 */

import { call } from '../bridge.js';
import { FirstRunSteps } from '../dashboard/first_run.js';
import { GalleryPanel } from '../dashboard/gallery_panel.js';
import { LogPanel } from '../dashboard/log_panel.js';
import { ProgressPanel } from '../dashboard/progress_panel.js';
import { RecentJobs } from '../dashboard/recent_jobs.js';
import { openStartDialog } from '../dashboard/start_dialog.js';
import { StatsStrip } from '../dashboard/stats_strip.js';
import { h } from '../dom.js';
import { statusLabel } from '../format.js';
import { icon } from '../icons.js';
import { notifyWhenAway } from '../ui/away_notice.js';
import { jobTone } from '../ui/badges.js';
import { confirmDialog } from '../ui/dialog.js';
import { poll } from '../ui/poll.js';
import { toast, toastError } from '../ui/toast.js';

const FAST_MS = 500;
const SLOW_MS = 2000;
const TOAST_KINDS = { success: 'success', danger: 'error' };

class DashboardView {
  constructor(root) {
    this.root = root;
    this.jobId = null;
    this.isRunning = false;
    this.stats = new StatsStrip();
    this.progress = new ProgressPanel();
    this.logs = new LogPanel();
    this.gallery = new GalleryPanel();
    this.firstRun = new FirstRunSteps({ onStart: () => this.start() });
    this.recent = new RecentJobs({ onRerun: (execution) => this.rerunQueued(execution) });
    this.cursor = null;
    this.poller = null;
    this.render();
  }

  render() {
    this.startButton = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'job-start', onClick: () => this.start() }, icon('play'), 'Start job');
    this.stopButton = h('button', { class: 'btn', type: 'button', disabled: true, 'data-testid': 'job-stop', title: 'Finish the images in flight, start no new ones', onClick: () => this.stop() }, icon('stop'), 'Stop');
    this.forceButton = h('button', { class: 'btn btn-danger-ghost', type: 'button', disabled: true, 'data-testid': 'job-force-stop', title: 'Cancel the calls in flight now', onClick: () => this.forceStop() }, 'Force stop');
    this.addButton = h('button', { class: 'btn', type: 'button', 'data-testid': 'job-add-images', title: 'Import your own image files: copied (the originals stay as they are), then checked, processed and described like generated ones', onClick: () => this.addImages('files') }, icon('image'), 'Add images');
    this.addFolderButton = h('button', { class: 'btn', type: 'button', 'data-testid': 'job-add-folder', title: 'Import every image in a folder', onClick: () => this.addImages('dir') }, icon('folder'), 'Add folder');
    this.importMetadata = h('select', { class: 'select select-sm', 'data-testid': 'import-metadata', 'aria-label': 'Metadata the added images already carry', title: 'Title, description and keywords the added images already carry: replaced by the model\'s, kept, or merged (keywords combined)' },
      [['replace', 'Their metadata: replace'], ['keep', 'Their metadata: keep'], ['merge', 'Their metadata: merge']].map(([value, text]) => h('option', { value, text })));
    this.queueBadge = h('span', { class: 'badge badge-warning', 'data-testid': 'queue-count', hidden: true });
    this.root.replaceChildren(
      h('header', { class: 'view-header' },
        h('div', {}, h('h1', { text: 'Dashboard' }), h('p', { class: 'subtitle', text: 'Turn a keyword file into finished, sellable images.' })),
        h('div', { class: 'toolbar' }, this.queueBadge, this.forceButton, this.stopButton, this.importMetadata, this.addFolderButton, this.addButton, this.startButton)),
      this.firstRun.element,
      this.stats.element,
      h('div', { class: 'dash-row' }, this.progress.element, this.logs.element),
      this.recent.element,
      this.gallery.element);
    // A keyword file dropped here is offered as the keyword file (ui/drop_guard.js); its step then ticks.
    this.root.dataset.drop = 'keywords';
    this.onKeywordFile = () => this.refreshJobs();
    window.addEventListener('gif:keyword-file', this.onKeywordFile);
    // Image files dropped here are imported as a job, like the Add images button's (ui/drop_guard.js).
    this.root.dataset.dropImages = 'true';
    this.onImagesDropped = (event) => this.addImages('files', event.detail.paths);
    window.addEventListener('gif:import-images', this.onImagesDropped);
  }

  async init() {
    this.stats.refresh();
    const jobs = await this.gallery.loadJobs();
    await this.refreshJobs();
    await this.gallery.load(1);
    // After a restart nothing runs: show the latest job's outcome and log until another one starts.
    if (jobs.length) this.cursor = { execution_id: jobs[0].id, log_id: 0 };
    this.poller = poll(() => this.fetchProgress(), {
      intervalMs: FAST_MS, idleMs: SLOW_MS, root: this.root,
      isActive: (data) => data.is_running || (data.queue || []).length > 0,
      onError: (err) => this.onPollError(err),
    });
  }

  /** Refresh the recent jobs, and the first-run steps (shown only while no job exists). */
  async refreshJobs() {
    try {
      await this.firstRun.refresh(await this.recent.refresh());
    } catch (err) {
      toastError(err, 'Could not read the recent jobs.');
    }
  }

  /** Read get_progress after the cursor, move the cursor on and feed the panels; return the answer. */
  async fetchProgress() {
    const data = await call('get_progress', this.cursor);
    if (!this.poller || this.poller.isStopped) return data;
    const followed = data.cursor.execution_id ?? null;
    // The running job wins; otherwise keep following the job we were told about (it may be queued).
    const current = data.running_id ?? followed ?? (data.job ? data.job.execution_id : null);
    if (current !== null && followed !== current) {
      // These log lines belong to the previous job: read the new one's log from its start, at once.
      this.cursor = { images_since: data.cursor.images_since, execution_id: current, log_id: 0 };
      data.logs = [];
      this.poller.kick();
    } else {
      this.cursor = data.cursor;
    }
    this.onProgress(data, current);
    return data;
  }

  /** Follow job `executionId` from its first log line on, and poll at once. */
  follow(executionId) {
    this.cursor = { ...(this.cursor || {}), execution_id: executionId, log_id: 0 };
    this.poller.kick();
  }

  onProgress(data, current) {
    if (current !== null && current !== this.jobId) {
      this.jobId = current;
      // A job we started is watched from its start; one found running is watched from its first answer.
      this.wasUnfinished = current === this.startedId;
      this.logs.reset(current);
      this.progress.describeJob(current);
      this.gallery.loadJobs();
      this.refreshJobs();
    }
    if (current !== null) this.progress.update(data, current);
    this.logs.append(data.logs);
    this.gallery.applyChanges(data.images || []);
    this.paintControls(data);
    this.isRunning = data.is_running;
    const execution = data.execution && data.execution.id === this.jobId ? data.execution : null;
    if (execution) {
      // Toast once, when a run seen unfinished (queued, running, or interrupted and then resumed) ends.
      if (execution.is_terminal && this.wasUnfinished) this.finished(execution);
      this.wasUnfinished = !execution.is_terminal;
    }
  }

  async finished(execution) {
    this.stats.refresh();
    const kind = TOAST_KINDS[jobTone(execution)] || 'info';
    const text = `Job "${execution.label}" ${statusLabel(execution).toLowerCase()}: ${execution.approved} approved of ${execution.generated} generated.`;
    toast(text, { kind });
    notifyWhenAway(text, kind);
    this.refreshJobs();
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
    // A new run always enters the queue; it waits there only while another one runs.
    toast(this.isRunning ? `Job "${execution.label}" added to the queue` : `Job "${execution.label}" started`, { kind: 'success' });
    if (!this.isRunning) this.follow(execution.id);
    else this.poller.kick();
    this.refreshJobs();
  }

  /** Import image files (or a folder) picked in the file dialog, or `paths` dropped on the Dashboard, as a job. */
  async addImages(kind, paths = null) {
    try {
      const { execution } = await call('import_images', paths, kind, this.importMetadata.value);
      if (!execution) return; // the dialog was cancelled
      toast(`Importing ${execution.planned} image${execution.planned === 1 ? '' : 's'}: job "${execution.label}"`, { kind: 'success' });
      this.rerunQueued(execution);
    } catch (err) {
      toastError(err, 'The images were not added.');
    }
  }

  /** A rerun from the recent jobs entered the queue: watch it like a job started here. */
  rerunQueued(execution) {
    this.startedId = execution.id;
    if (!this.isRunning) this.follow(execution.id);
    else this.poller.kick();
    this.refreshJobs();
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
      message: 'Calls in flight are cancelled now, except renders already sent: those are paid for, so they finish. Unfinished images are kept as pending; resume the job to finish them.',
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
    window.removeEventListener('gif:keyword-file', this.onKeywordFile);
    window.removeEventListener('gif:import-images', this.onImagesDropped);
    if (this.poller) this.poller.stop();
    this.gallery.destroy();
  }
}

/** Mount the dashboard into `root`. */
export async function mount(root) {
  const view = new DashboardView(root);
  await view.init();
  return { destroy: () => view.destroy() };
}
