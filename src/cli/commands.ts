import { RnnkitError } from '../errors.js';
import { benchCommand } from './bench.js';
import { demoCommand } from './demo.js';
import { diagnoseCommand } from './diagnose.js';
import { infoCommand } from './info.js';
import { UsageError, type IO } from './io.js';
import { predictCommand } from './predict.js';
import { sampleCommand } from './sample.js';
import { trainCommand } from './train.js';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: IO): Promise<number>;
}

export const commands: Record<string, Command> = {
  train: trainCommand,
  sample: sampleCommand,
  predict: predictCommand,
  bench: benchCommand,
  info: infoCommand,
  demo: demoCommand,
  diagnose: {
    summary: 'how gradients flow through a saved model: temporal Jacobians, bounds, gradient by lag',
    usage: 'usage: rnnkit diagnose MODEL [options]   (rnnkit diagnose --help for them all)',
    run: (args, io) => diagnoseCommand(args, io),
  },
};

function overview(all: Record<string, Command>): string {
  const width = Math.max(...Object.keys(all).map((n) => n.length));
  return [
    'usage: rnnkit <command> [options]     (rnnkit <command> --help for its options)',
    '',
    ...Object.entries(all).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Runs one command line; returns the exit code (0 ok, 1 failed, 2 bad usage, 130 interrupted). */
export async function run(argv: string[], all: Record<string, Command>, io: IO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview(all));
    return name === undefined ? 2 : 0;
  }
  const command = all[name];
  if (!command) {
    io.err(`rnnkit: unknown command "${name}"\n\n${overview(all)}`);
    return 2;
  }
  if ((rest.includes('--help') || rest.includes('-h')) && name !== 'diagnose') {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`rnnkit ${name}: ${error.message}\n\n${command.usage}`);
      return 2;
    }
    // Anything else (a file system error, a bug) is one line too: the message, not a stack trace.
    io.err(`rnnkit ${name}: ${error instanceof RnnkitError ? '' : `${error instanceof Error ? error.name : 'error'}: `}${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
