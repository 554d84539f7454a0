/**
 * `npm run demo`: trains an Elman RNN on the adding problem, a task that needs
 * memory (the answer depends on two values seen many steps before the end),
 * and shows it beating the best memoryless answer.
 */
import { addingProblem, ElmanRNN, train } from '../index.js';
import { bar, progressLine } from './progress.js';

const steps = 20, epochs = 30, batchSize = 32;
const data = addingProblem({ count: 2560, steps, seed: 1 });
const test = addingProblem({ count: 512, steps, seed: 2 });
const model = new ElmanRNN({ inputSize: 2, hiddenSize: 32, outputSize: 1, activation: 'tanh', seed: 1 });

// Predicting the mean sum (1.0) whatever the input: ½·E[(s − 1)²] = ½·(1/6).
const baseline = 1 / 12;
const out = process.stdout;
const print = (s: string) => out.write(`${s}\n`);
print('rnnkit demo — the adding problem (Hochreiter & Schmidhuber 1997)');
print(`Each sequence has ${steps} steps of (value, marker); the target is the sum of the two marked values.`);
print(`Elman RNN ${model.inputSize}→${model.hiddenSize}→${model.outputSize}, tanh, ${model.parameterCount} parameters; ` +
  `backend: ${model.backend.name}; Adam, mini-batches of ${batchSize}, full BPTT over ${steps} steps.`);
print(`Loss is ½(y − target)²; the best answer without memory scores ${baseline.toFixed(4)}.\n`);
print(`before training: test loss ${model.evaluate(test).toFixed(4)}`);

let belowHalf = false;
const stepsPerEpoch = Math.ceil((data.size * 0.9) / batchSize);
const result = train(model, data, {
  epochs, batchSize, validationSplit: 0.1, clipNorm: 1,
  optimizer: { type: 'adam', learningRate: 0.003 },
  onStep: (s) => {
    const done = (s.step - (s.epoch - 1) * stepsPerEpoch) / stepsPerEpoch;
    const rate = (s.step / s.elapsedMs) * 1000;
    progressLine(out, `epoch ${String(s.epoch).padStart(2)}/${epochs} ${bar(done)} loss ${s.loss.toFixed(4)}  ${rate.toFixed(0)} steps/s`);
  },
  onEpoch: (e) => {
    const crossed = e.validationLoss! < baseline / 2 && !belowHalf;
    if (crossed) belowHalf = true;
    const note = crossed ? '  ← below half the memoryless baseline: the model remembers' : '';
    progressLine(out, `epoch ${String(e.epoch).padStart(2)}/${epochs} train ${e.loss.toFixed(4)}  validation ${e.validationLoss!.toFixed(4)}  ` +
      `${(e.elapsedMs / 1000).toFixed(1)} s${note}`, true);
  },
});

const final = model.evaluate(test);
print(`\nafter ${result.steps} steps (${(result.elapsedMs / 1000).toFixed(1)} s): test loss ${final.toFixed(4)} vs baseline ${baseline.toFixed(4)} ` +
  `(${(baseline / final).toFixed(1)}× lower)`);
const y = model.predict(test);
print('a few test sequences (target → prediction):');
for (let b = 0; b < 5; b++) {
  print(`  ${test.targets![(b * steps + steps - 1)]!.toFixed(3)} → ${y[b * steps + steps - 1]!.toFixed(3)}`);
}
if (final >= baseline) {
  print('the model did not beat the baseline: something is wrong');
  process.exitCode = 1;
}
