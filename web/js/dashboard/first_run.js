/**
 * First run: while no job exists the Dashboard shows three steps (keys or sandbox, keyword file, start),
 * each with a button to where it is done and a tick once it is. It is removed once a job exists.
 */

import { call } from '../bridge.js';
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { navigate } from '../router.js';

export class FirstRunSteps {
  /** hooks: {onStart()} opens the Start dialog. */
  constructor(hooks) {
    this.hooks = hooks;
    this.element = h('section', { class: 'card first-run', 'data-testid': 'first-run', hidden: true, 'aria-labelledby': 'first-run-title' });
  }

  /** Show the steps when there is no job (`jobCount` 0), with each step's state read from the backend. */
  async refresh(jobCount) {
    if (jobCount > 0) { this.hide(); return; }
    const [info, keys, settings] = await Promise.all([
      call('app_info'), call('key_status').catch(() => []), call('get_settings').catch(() => ({ settings: {} })),
    ]);
    const provider = settings.settings?.parameters?.provider;
    const hasKeys = info.is_sandbox || provider === 'sandbox' || keys.some((k) => k.is_set);
    const hasKeywords = Boolean(settings.settings?.file_paths?.keywords_file);
    this.paint([
      { id: 'keys', done: hasKeys, title: 'Add your API keys, or try the sandbox',
        text: info.is_sandbox ? 'The sandbox is on: vendors are simulated and nothing is billed.'
          : 'Keys are kept in the system keychain. To try the app without keys, choose the Sandbox provider.',
        action: 'Open API keys', run: () => navigate('/settings/keys') },
      { id: 'keywords', done: hasKeywords, title: 'Choose a keyword file',
        text: 'A TXT file with one keyword per line, or a CSV with a header row.',
        action: 'Choose keyword file', run: () => navigate('/settings/file_paths') },
      { id: 'start', done: false, title: 'Start your first job',
        text: 'Pick how many images to make; the progress and log show here.',
        action: 'Start job', run: () => this.hooks.onStart(), primary: true },
    ]);
  }

  paint(steps) {
    this.element.replaceChildren(
      h('h2', { id: 'first-run-title', text: 'Get started in three steps' }),
      h('ol', { class: 'first-run-steps' }, steps.map((step, i) => h('li', {
        class: `first-run-step${step.done ? ' is-done' : ''}`, 'data-testid': `first-run-step-${step.id}`, 'data-done': String(step.done),
      },
      h('span', { class: 'first-run-mark', 'aria-hidden': 'true' }, step.done ? icon('check') : String(i + 1)),
      h('div', { class: 'first-run-text' }, h('strong', { text: step.title }), h('p', { class: 'muted', text: step.text }),
        step.done ? h('span', { class: 'visually-hidden', text: '(done)' }) : null),
      h('button', { class: `btn btn-sm${step.primary ? ' btn-primary' : ''}`, type: 'button', 'data-testid': `first-run-go-${step.id}`, onClick: step.run }, step.action)))));
    this.element.hidden = false;
  }

  hide() {
    this.element.hidden = true;
    this.element.replaceChildren();
  }
}
