/**
 * Polls get_progress: every ~500 ms while a job runs or waits in the queue, every 2 s when idle (a job may
 * start from another view). Keeps the cursor, and reads a job's log from its start when it becomes current.
 */

import { call } from '../bridge.js';

const FAST_MS = 500;
const SLOW_MS = 2000;

export class ProgressPoller {
  /** onData(data, currentJobId) runs after each answer; onError(err) when a poll fails. */
  constructor({ onData, onError = () => {} }) {
    this.onData = onData;
    this.onError = onError;
    this.cursor = null;
    this.timer = null;
    this.isStopped = false;
    this.isBusy = false;
    this.isPending = false;
  }

  /** Start polling now. */
  start() {
    this.isStopped = false;
    this.tick();
  }

  /** Stop polling for good (view destroyed). */
  stop() {
    this.isStopped = true;
    clearTimeout(this.timer);
  }

  /** Follow job `executionId` from its first log line on, and poll at once. */
  follow(executionId) {
    this.cursor = { ...(this.cursor || {}), execution_id: executionId, log_id: 0 };
    this.kick();
  }

  /** Poll at once instead of waiting for the timer. */
  kick() {
    if (this.isBusy) {
      this.isPending = true;
      return;
    }
    clearTimeout(this.timer);
    this.tick();
  }

  async tick() {
    if (this.isStopped) return;
    this.isBusy = true;
    let delay = SLOW_MS;
    try {
      const data = await call('get_progress', this.cursor);
      if (this.isStopped) return;
      const followed = data.cursor.execution_id ?? null;
      // The running job wins; otherwise keep following the job we were told about (it may be queued).
      const current = data.running_id ?? followed ?? (data.job ? data.job.execution_id : null);
      if (current !== null && followed !== current) {
        // These log lines belong to the previous job: read the new one's log from its start.
        this.cursor = { images_since: data.cursor.images_since, execution_id: current, log_id: 0 };
        data.logs = [];
        this.isPending = true;
      } else {
        this.cursor = data.cursor;
      }
      this.onData(data, current);
      delay = data.is_running || (data.queue && data.queue.length) ? FAST_MS : SLOW_MS;
    } catch (err) {
      this.onError(err);
    } finally {
      this.isBusy = false;
    }
    if (this.isStopped) return;
    if (this.isPending) {
      this.isPending = false;
      delay = 0;
    }
    this.timer = setTimeout(() => this.tick(), delay);
  }
}
