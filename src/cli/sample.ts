import { RnnkitError } from '../errors.js';
import { RecurrentModel } from '../model/recurrent/model.js';
import { sample } from '../model/sample.js';
import type { Command } from './commands.js';
import { numberFlag, parseFlags, UsageError } from './io.js';
import { loadModel } from './model-file.js';

const usage = `usage: rnnkit sample MODEL [--length 200] [--prime TEXT] [--temperature 1] [--seed 1]

Generates symbols from a saved character (or symbol) model — one trained by
\`rnnkit train --text FILE\` or \`--task reber\` — feeding each sampled symbol
back as the next input. --prime gives text to read first (its symbols must be
in the model's vocabulary); --temperature below 1 is more conservative, above 1
more random.`;

export const sampleCommand: Command = {
  summary: 'generate text from a saved character model',
  usage,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, {
      length: { type: 'string' }, prime: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' },
    }, true);
    if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}`);
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
    const prime = [...(values.prime ?? symbols[0]!)];
    const unknown = prime.find((c) => !symbols.includes(c));
    if (unknown !== undefined) throw new UsageError(`--prime: the symbol "${unknown}" is not in the model's vocabulary`);
    const generated = sample(model, {
      length: numberFlag('length', values.length, 200, { min: 0, integer: true }),
      temperature: numberFlag('temperature', values.temperature, 1, { min: 1e-3 }),
      seed: numberFlag('seed', values.seed, 1, { integer: true }),
      prime: prime.map((c) => symbols.indexOf(c)),
    });
    io.out(prime.join('') + generated.map((i) => symbols[i]).join(''));
    return 0;
  },
};
