/**
 * The progress card: job title and status, the two steps (Initialization; Image generation with the
 * job's enabled sub-steps), overall and current-generation bars, counts, ETA and cost. Updated in place.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { duration, formatCount, formatPercent, money } from '../format.js';
import { setJobBadge } from '../ui/badges.js';

const COUNTS = [
  ['planned', 'Planned'], ['generated', 'Generated'], ['approved', 'Approved'],
  ['qc_failed', 'QC failed'], ['processing_failed', 'Processing failed'],
];

/** Return the names of the generation sub-steps a job's settings turn on. */
export function enabledSubSteps(settings) {
  const p = settings.parameters || {};
  const proc = settings.processing || {};
  const ai = settings.ai || {};
  const steps = [p.use_llm_prompts === false ? 'Prompt from template' : 'Prompt (LLM)',
    `Render ${p.variations || 1}× (${p.provider || 'provider'})`];
  if (ai.run_quality_check) steps.push('Quality check');
  if (proc.remove_bg) steps.push(`Remove background (${proc.remover === 'rembg' ? 'rembg' : 'remove.bg'})`);
  if (proc.remove_bg && proc.trim_transparent_background) steps.push('Trim');
  if (proc.image_enhancement) steps.push('Enhance');
  if (proc.image_convert) steps.push(`Convert to ${String(proc.convert_format || '').toUpperCase()}`);
  if (ai.run_metadata_gen) steps.push('Metadata');
  steps.push(settings.output && settings.output.embed_metadata ? 'Save and embed' : 'Save');
  return steps;
}

function bar(label, testid) {
  const fill = h('span');
  const value = h('span', { class: 'progress-value', 'data-testid': `${testid}-value`, text: '0%' });
  const caption = h('span', { text: label });
  const track = h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0 }, fill);
  const element = h('div', { class: 'progress-row', 'data-testid': testid }, h('div', { class: 'progress-meta' }, caption, value), track);
  return {
    element,
    set(fraction, text = null, captionText = null) {
      const percent = Math.round(Math.max(0, Math.min(1, fraction || 0)) * 100);
      fill.style.width = `${percent}%`;
      track.setAttribute('aria-valuenow', String(percent));
      value.textContent = text ?? `${percent}%`;
      if (captionText) caption.textContent = captionText;
    },
  };
}

function step(number, title, testid) {
  const detail = h('div', { class: 'step-detail' });
  const element = h('li', { class: 'step', 'data-testid': testid, 'data-state': 'pending' },
    h('span', { class: 'step-dot', text: String(number) }),
    h('div', { class: 'step-text' }, h('div', { class: 'step-title', text: title }), detail));
  return { element, detail };
}

export class ProgressPanel {
  /** Build the card in its idle state. */
  constructor() {
    this.jobId = null;
    this.badge = h('span', { class: 'badge', 'data-testid': 'progress-status', text: 'Idle' });
    this.subtitle = h('p', { 'data-testid': 'progress-job', text: 'No job has run yet' });
    this.init = step(1, 'Initialization', 'progress-step-init');
    this.generation = step(2, 'Image generation', 'progress-step-generation');
    this.subSteps = h('ul', { class: 'substeps', 'data-testid': 'progress-substeps' });
    this.generation.detail.append(this.subSteps);
    this.overall = bar('Overall', 'progress-overall');
    this.current = bar('Current generation', 'progress-current');
    this.counts = new Map();
    this.eta = h('span', { 'data-testid': 'progress-eta', text: '—' });
    this.elapsed = h('span', { 'data-testid': 'progress-elapsed', text: '—' });
    this.cost = h('span', { 'data-testid': 'progress-cost', text: '—' });
    this.element = h('section', { class: 'card dash-progress', 'data-testid': 'progress-panel', 'aria-label': 'Progress' },
      h('div', { class: 'card-header' }, h('div', { class: 'card-heading' }, h('h2', { text: 'Progress' }), this.subtitle), this.badge),
      h('div', { class: 'card-body dash-progress-body' },
        h('ol', { class: 'steps' }, this.init.element, this.generation.element),
        h('div', { class: 'progress-group' }, this.overall.element, this.current.element),
        h('dl', { class: 'count-grid' }, COUNTS.map(([name, label]) => {
          const value = h('dd', { 'data-testid': `progress-count-${name}`, text: '0' });
          this.counts.set(name, value);
          return h('div', { class: `count-item is-${name}` }, h('dt', { text: label }), value);
        })),
        h('div', { class: 'progress-facts' },
          h('span', {}, 'ETA ', this.eta), h('span', {}, 'Elapsed ', this.elapsed), h('span', {}, 'Cost ', this.cost))));
  }

  /** Show the sub-steps of job `jobId` (from its stored configuration). */
  async describeJob(jobId) {
    this.jobId = jobId;
    try {
      const config = await call('get_job_configuration', jobId);
      if (this.jobId !== jobId) return;
      this.subSteps.replaceChildren(...enabledSubSteps(config.settings || {}).map((name) => h('li', { text: name })));
    } catch {
      this.subSteps.replaceChildren();
    }
  }

  /** Apply one get_progress answer for the current job id (the flags of its execution decide the drawing). */
  update(data, currentId) {
    const job = data.job && data.job.execution_id === currentId ? data.job : null;
    const execution = data.execution && data.execution.id === currentId ? data.execution : null;
    if (!execution) return;
    setJobBadge(this.badge, execution);
    this.subtitle.textContent = (job && job.label) || execution.label || `Job ${currentId}`;
    this.element.dataset.status = execution.status;
    // Terminal: the run is over. Interrupted is not: it stopped part-way and waits to be resumed.
    const isTerminal = execution.is_terminal;
    const isHalted = !execution.is_active;
    const step = job ? job.step : (isHalted ? 'done' : 'queued');
    this.init.element.dataset.state = step === 'initialization' ? 'active' : step === 'queued' ? 'pending' : 'done';
    this.generation.element.dataset.state = step === 'generation' ? 'active' : ['initialization', 'queued'].includes(step) ? 'pending' : 'done';
    if (isHalted && !execution.is_complete) this.generation.element.dataset.state = 'stopped';
    const reached = execution.planned ? Math.min(1, execution.generated / execution.planned) : 0;
    const overall = job ? job.overall : (isTerminal ? 1 : reached);
    this.overall.set(overall, formatPercent(overall));
    this.updateCurrent(job, isTerminal);
    const counts = (job && job.counts) || {};
    const source = { ...execution, ...counts, planned: job ? job.planned : execution.planned };
    for (const [name, el] of this.counts) {
      el.textContent = formatCount(source[name]);
      el.parentElement.classList.toggle('has-value', Number(source[name] || 0) > 0); // colour only real counts
    }
    this.eta.textContent = job && data.is_running && job.eta_s !== null && job.eta_s !== undefined ? duration(job.eta_s) : '—';
    // A halted job's time is frozen: from its started/finished timestamps (duration_s), never a running clock.
    this.elapsed.textContent = duration(job && !isHalted ? job.elapsed_s : execution.duration_s);
    this.cost.textContent = money(job ? job.cost : execution.cost);
  }

  updateCurrent(job, isTerminal) {
    if (!job) {
      this.current.set(isTerminal ? 1 : 0, isTerminal ? '100%' : '0%', 'Current generation');
      return;
    }
    const total = job.generations_total || 0;
    const index = job.current_generation;
    const caption = index === null || index === undefined
      ? `Generations ${job.generations_done || 0} of ${total} done`
      : `Generation ${index + 1} of ${total}`;
    this.current.set(job.current_fraction, formatPercent(job.current_fraction), caption);
  }
}
