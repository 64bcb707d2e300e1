/**
 * `agentwire faults`: the catalogue of deliberate bugs the reference backend can be started with
 * (`serve --fault`, `run --fault`), the rule each breaks and the checks that must catch it.
 */

import type { Command } from 'commander';
import { FAULT_NAMES, FAULTS } from '../server/index.js';

export function registerFaultsCommand(program: Command): void {
  program
    .command('faults')
    .description(
      'list the faults the reference backend can inject, with the rule and the checks that catch each',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        // snake_case like every JSON agentwire prints (report.json, load reports).
        const json = Object.fromEntries(
          FAULT_NAMES.map((name) => {
            const { caughtBy, ...rest } = FAULTS[name];
            return [name, { ...rest, caught_by: caughtBy }];
          }),
        );
        process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      const width = Math.max(...FAULT_NAMES.map((name) => name.length));
      for (const name of FAULT_NAMES) {
        const fault = FAULTS[name];
        process.stdout.write(
          `${name.padEnd(width)}  ${fault.rule}  ${fault.description}\n${' '.repeat(width + 9)}caught by ${fault.caughtBy.join(', ')}\n`,
        );
      }
    });
}
