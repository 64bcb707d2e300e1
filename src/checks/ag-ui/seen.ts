/**
 * A stream rule holds trivially over a run that never streamed what it judges (pairing of tool
 * calls in a run without tool calls): such a run shows nothing, so the check is unsupported, with
 * the reason, instead of passed. The reference backend streams what each check asks for through
 * `forwardedProps.scenario`; another server's agent must do the same on its own.
 */
import type { AgUiEvent } from '../../agui/index.js';
import { Unsupported } from '../check.js';

/** Throws Unsupported unless at least `atLeast` events of one of `types` were streamed. */
export function expectStreamed(
  events: readonly AgUiEvent[],
  types: readonly string[],
  what: string,
  atLeast = 1,
): void {
  const count = events.filter((event) => types.includes(event.type)).length;
  if (count >= atLeast) return;
  throw new Unsupported(
    `the run streamed ${count === 0 ? 'no' : `only ${count}`} ${what} (${types.join(' or ')}), so there was nothing to judge: the check needs an agent that streams them (the reference backend does for forwardedProps.scenario)`,
  );
}
