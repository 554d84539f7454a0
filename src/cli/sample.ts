import { RnnkitError } from '../errors.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import { sample } from '../model/sample.js';
import type { Command } from './commands.js';
import { numberFlag, parseFlags, UsageError } from './io.js';
import { loadModel } from './model-file.js';

const usage = `usage: rnnkit sample MODEL [--length 200] [--prime TEXT] [--temperature 1] [--stop SYMBOL] [--seed 1]

Generates text from a saved character (or symbol) model — one trained by
\`rnnkit train --text FILE\` or \`--task reber\` — feeding each symbol back as
the next input, and prints the prime followed by what it generated.

  --length N           the most symbols to generate (default 200)
  --prime TEXT         text to read first; its symbols must be in the model's vocabulary
                       (default: the vocabulary's first symbol)
  --temperature T      below 1 more conservative, above 1 more random; 0 is greedy: always
                       the most probable symbol, the same text every time (default 1)
  --stop SYMBOL        end after the first SYMBOL generated (it is printed); one symbol of
                       the vocabulary. \\n (end of line), \\t, \\r and \\\\ stand for a newline,
                       a tab, a carriage return and a backslash
  --seed N             the seed of the random draws (default 1)`;

/** --stop's escapes: \n, \t, \r and \\ (a backslash before anything else is kept as it is). */
export function unescapeSymbol(value: string): string {
  return value.replace(/\\([ntr\\])/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
}

export const sampleCommand: Command = {
  summary: 'generate text from a saved character model',
  usage,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      length: { type: 'string' }, prime: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' }, stop: { type: 'string' },
    }, true);
    if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}`);
    const length = numberFlag('length', values.length, 200, { min: 0, integer: true });
    const temperature = numberFlag('temperature', values.temperature, 1, { min: 0 });
    const seed = numberFlag('seed', values.seed, 1, { integer: true });
    const model = loadModel(positionals[0]!);
    const vocabulary = model.metadata?.vocabulary;
    if (!(model instanceof RecurrentModel) || !Array.isArray(vocabulary) || !vocabulary.every((s) => typeof s === 'string')) {
      throw new RnnkitError('sample: the model has no vocabulary (train it with --text FILE or --task reber)');
    }
    const symbols = vocabulary as string[];
    // Each output unit is a symbol: a vocabulary of another length would print "undefined" for some of them.
    if (symbols.length !== model.outputSize || symbols.some((symbol) => symbol.length === 0)) {
      throw new RnnkitError(`sample: the model's vocabulary has ${symbols.length} symbols for ${model.outputSize} outputs (or an empty one): the file is inconsistent`);
    }
    const prime = values.prime ?? symbols[0]!;
    // JSON quotes, so a newline or a tab in the message stays on its line and can be seen.
    const unknown = [...prime].find((c) => !symbols.includes(c));
    if (unknown !== undefined) throw new UsageError(`--prime: the symbol ${JSON.stringify(unknown)} is not in the model's vocabulary`);
    const stop = values.stop === undefined ? undefined : unescapeSymbol(values.stop);
    if (stop !== undefined && !symbols.includes(stop)) {
      throw new UsageError(`--stop: ${JSON.stringify(stop)} is not a symbol of the model's vocabulary (${symbols.length} symbols: ${JSON.stringify(symbols.join(''))})`);
    }
    const generated = sample(model, { length, temperature, seed, prime, ...(stop === undefined ? {} : { stop }) });
    io.out(prime + generated);
    return 0;
  },
};
