/**
 * The model-based checks: fast-check generates sequences of client actions over three users and
 * their connections, runs each against the target and holds every answer and event against the
 * reference model. A failing sequence is shrunk to a minimal one; its commands and the frames of
 * its last run are the evidence, with the seed that generates it again.
 */
import fc from 'fast-check';
import { newUserId } from '../../client/index.js';
import type { RuleId } from '../../protocol/index.js';
import { type Check, type CheckContext, CheckFailure } from '../check.js';
import { burstCommands, politeCommands, settle } from './commands.js';
import { AepModel } from './model.js';
import { ModelViolation, World } from './world.js';

const USERS = 3;
const MAX_COMMANDS = 14;
/** Generation and shrinking together stop here; a slow failing server costs a timeout per try. */
const TIME_LIMIT_MS = 45_000;

/** Sequences per check, from the profile's fuzz budget: local 25, staging and tiers 10, minimal 5. */
export function sequencesFor(context: CheckContext): number {
  return Math.max(3, Math.min(25, Math.round(context.sizing.fuzzFrames / 6)));
}

/** The actions a sequence ran (fast-check prints the commands that ran, with their replay path). */
function actionsOf(sequence: unknown): string[] {
  return String(sequence)
    .replace(/\s*\/\*replayPath=.*\*\/\s*$/, '')
    .split(/,(?=[a-z]+\()/)
    .filter(Boolean);
}

interface Failure {
  world: World;
  error: unknown;
}

async function runSequence(
  context: CheckContext,
  commands: Iterable<fc.AsyncCommand<AepModel, World>>,
  failures: Failure[],
  tally: { sequences: number; actions: number },
): Promise<void> {
  const model = new AepModel(USERS, context.target.limits.max_inflight_runs);
  const world = new World(
    context,
    model,
    Array.from({ length: USERS }, () => newUserId('m')),
  );
  const stop = () => world.dropAll();
  context.signal.addEventListener('abort', stop);
  try {
    await fc.asyncModelRun(async () => {
      await world.open(model.addConnection(0));
      await world.open(model.addConnection(1));
      return { model, real: world };
    }, commands);
    await settle(model, world);
    tally.sequences++;
    tally.actions += world.actions.length;
  } catch (error) {
    failures.push({ world, error });
    throw error;
  } finally {
    context.signal.removeEventListener('abort', stop);
    world.dropAll();
  }
}

function modelCheck(
  id: string,
  rules: readonly RuleId[] | readonly (RuleId | '§4')[],
  title: string,
  commands: (users: number) => fc.Arbitrary<fc.AsyncCommand<AepModel, World>>[],
): Check {
  return {
    id,
    rules,
    title,
    requires: ['resume', 'cancel', 'scenarios', 'tools', 'streaming'],
    timeoutMs: TIME_LIMIT_MS + 30_000,
    async run(context) {
      const failures: Failure[] = [];
      const tally = { sequences: 0, actions: 0 };
      const numRuns = sequencesFor(context);
      const property = fc.asyncProperty(
        fc.commands(commands(USERS), { maxCommands: MAX_COMMANDS, size: 'max' }),
        (sequence) => runSequence(context, sequence, failures, tally),
      );
      const result = await fc.check(property, {
        seed: context.seed,
        numRuns,
        interruptAfterTimeLimit: TIME_LIMIT_MS,
      });
      if (!result.failed) {
        context.transcript.note(
          `${tally.sequences} sequences, ${tally.actions} actions${result.interrupted ? ` (stopped after ${TIME_LIMIT_MS} ms)` : ''}`,
        );
        return;
      }
      throw failureOf(context, id, result, failures.at(-1));
    },
  };
}

/** The shrunk sequence as the check's failure: its commands, its frames, the seed to repeat it. */
function failureOf(
  context: CheckContext,
  id: string,
  result: fc.RunDetails<[Iterable<fc.AsyncCommand<AepModel, World>>]>,
  last: Failure | undefined,
): CheckFailure {
  const error = last?.error ?? result.errorInstance;
  const message = error instanceof Error ? error.message : String(error);
  const commands = last?.world.actions ?? actionsOf(result.counterexample?.[0] ?? '');
  if (last) {
    context.transcript.entries.push(...last.world.transcript.entries);
    for (const [label, user] of last.world.transcript.users) context.transcript.labelUser(label, user);
  }
  const violation = error instanceof ModelViolation ? error : undefined;
  return new CheckFailure(
    `${violation ? `${violation.rule}: ` : ''}${message} — after ${commands.length} action${commands.length === 1 ? '' : 's'}: ${commands.join('; ')} (seed ${context.seed}; repeat with --seed ${context.seed} --checks ${id})`,
    {
      seed: context.seed,
      path: result.counterexamplePath,
      shrinks: result.numShrinks,
      sequences_run: result.numRuns,
      commands,
      users: Object.fromEntries(last?.world.users.map((user, index) => [`u${index}`, user]) ?? []),
      ...(violation ? { rule: violation.rule, ...violation.details } : {}),
    },
    {
      frames: violation?.frames.filter((frame) => frame !== undefined) ?? [],
      connections: last ? [...last.world.live.values()].map((live) => live.label) : [],
    },
  );
}

export const modelChecks: Check[] = [
  modelCheck(
    'model/interleavings',
    ['R-4.1', 'R-4.2', 'R-4.3', 'R-5.1', 'R-5.2', 'R-5.6', 'R-5.7', 'R-5.8', 'R-6.1', '§4', 'R-1.3', 'R-1.4'],
    'Random interleavings of connects, messages (own, foreign, unknown threads), resumes, cancels, pings, bad frames and disconnects over three users match the AEP/1 model',
    politeCommands,
  ),
  modelCheck(
    'model/bursts',
    ['R-5.8', 'R-5.1', 'R-4.1', 'R-4.2', 'R-5.6', 'R-6.1', '§4'],
    'The same interleavings with bursts: frames from several connections of a user sent without awaiting answers still match the AEP/1 model',
    burstCommands,
  ),
];
