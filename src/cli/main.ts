#!/usr/bin/env node
/**
 * The `agentwire` command. Wires the subcommands together and owns the one place where errors
 * become a single line on stderr and an exit code (see the README's exit code table).
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../runner/verdict.js';
import { TOOL_VERSION } from '../version.js';
import { CliError } from './errors.js';

type Registrar = (program: Command) => void;

/** Subcommand name → how to load the module that registers it. */
const COMMAND_MODULES: Record<string, () => Promise<Registrar>> = {
  run: async () => (await import('./run-command.js')).registerRunCommand,
  serve: async () => (await import('./serve-command.js')).registerServeCommand,
  ...Object.fromEntries(
    ['env', 'up', 'down', 'doctor'].map((name) => [
      name,
      async () => (await import('./env-commands.js')).registerEnvCommands,
    ]),
  ),
  faults: async () => (await import('./faults-command.js')).registerFaultsCommand,
  load: async () => (await import('./load-command.js')).registerLoadCommand,
  gate: async () => (await import('./gate-command.js')).registerGateCommand,
  compare: async () => (await import('./compare-command.js')).registerCompareCommand,
  monitor: async () => (await import('./monitor-command.js')).registerMonitorCommand,
};

async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command('agentwire')
    .description('Test real-time AI-agent backends (AEP/1 over WebSocket) against real services')
    .version(TOOL_VERSION)
    // Subcommands of subcommands (`load merge`) reuse their parent's option names.
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'agentwire: ')) });
  // Each command loads only its own module (a load generator's CPU and memory are part of what it
  // measures; start-up is part of every run); help and unknown names need them all.
  const named = COMMAND_MODULES[argv[2] ?? ''];
  const versionOnly = argv.length === 3 && ['--version', '-V'].includes(argv[2] ?? '');
  const loaders = named ? [named] : versionOnly ? [] : Object.values(COMMAND_MODULES);
  // One module may register several commands (env, up, down, doctor): register it once.
  for (const register of new Set(await Promise.all(loaders.map((load) => load())))) register(program);
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
