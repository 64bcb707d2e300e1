#!/usr/bin/env node
/**
 * The `agentwire` command. Wires the subcommands together and owns the one place where errors
 * become a single line on stderr and an exit code (see the README's exit code table).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../runner/verdict.js';
import { TOOL_VERSION } from '../version.js';
import { CliError } from './errors.js';

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('agentwire')
    .description('Test real-time AI-agent backends (AEP/1 over WebSocket) against real services')
    .version(TOOL_VERSION)
    // Subcommands of subcommands (`load merge`) reuse their parent's option names.
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'agentwire: ')) });
  // A load generator's own CPU and memory are part of what it measures: `agentwire load` loads
  // only itself, not the server, checks and runners of the other commands.
  if (argv[2] === 'load') (await import('./load-command.js')).registerLoadCommand(program);
  else {
    (await import('./run-command.js')).registerRunCommand(program);
    (await import('./serve-command.js')).registerServeCommand(program);
    (await import('./env-commands.js')).registerEnvCommands(program);
    (await import('./faults-command.js')).registerFaultsCommand(program);
    (await import('./load-command.js')).registerLoadCommand(program);
    (await import('./gate-command.js')).registerGateCommand(program);
    (await import('./compare-command.js')).registerCompareCommand(program);
  }
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * `agentwire doctor | head`: the reader left. What was wanted has been read, so this is a normal
 * end, not a crash with a stack trace.
 */
function endQuietlyWhenTheReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.ok);
    throw error;
  });
}

async function main(argv: string[]): Promise<void> {
  endQuietlyWhenTheReaderLeaves(process.stdout);
  try {
    await (await buildProgram(argv)).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        process.exitCode = 0;
        return;
      }
      process.stderr.write('run "agentwire --help" or "agentwire <command> --help" for usage\n');
      process.exitCode = ExitCode.usage;
      return;
    }
    if (error instanceof CliError) {
      process.stderr.write(`agentwire: ${error.message}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `agentwire: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = ExitCode.notChecked;
  }
}

await main(process.argv);
