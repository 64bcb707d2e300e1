/** The options every command that resolves an environment shares (run, env, up, doctor). */
import { type Command, Option } from 'commander';
import { TIER_NAMES } from '../config/names.js';

export function addResolveOptions(command: Command): Command {
  return command
    .option(
      '--config <path>',
      'config file (default: agentwire.config.{json,yaml,ts} found upward from here)',
    )
    .option('--tier <list>', `tiers to try, in order (comma-separated: ${TIER_NAMES.join(',')})`)
    .addOption(
      new Option('--require-tier <tier>', 'fail unless every service comes from this tier').choices(
        TIER_NAMES,
      ),
    )
    .option('--no-fallback', 'try only the first tier of the order')
    .option(
      '--allow-skip',
      'exit 0 when nothing resolves; the reasons are still printed and a run still counts every check as skipped',
    );
}
