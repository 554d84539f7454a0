import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readmeSection, runBlock } from './helpers/readme.js';

describe('README: metrics, schedules, early stopping and resuming', () => {
  const { section, blocks } = readmeSection('### Metrics, schedules, early stopping and resuming');

  it('the example runs as written: early stopping restores the best epoch, the checkpoint resumes', () => {
    const { measure } = createRequire(import.meta.url)('../dist/index.cjs');
    const { model, data, result, stopper, resumed } = runBlock(blocks[0]!, '{ model, data, result, stopper, resumed }') as Record<string, any>;
    // Validation is the training data here: the loss per step falls, so a stop (if any) comes after its best epoch.
    expect(stopper.bestEpoch).toBeGreaterThan(1);
    if (result.stopReason !== undefined) expect(result.history).toHaveLength(stopper.bestEpoch + 10);
    expect(measure(model, data).lossPerStep).toBeCloseTo(stopper.bestLoss, 6);
    expect(measure(model, data).rmse).toBeLessThan(0.5);
    expect(resumed.optimizerState.epochs).toBe(result.history.length + 20);
    expect(resumed.optimizerState.steps).toBe(result.steps + 20);
  });

  it('names every metric measure() returns and every schedule it exports', () => {
    for (const name of ['accuracy', 'bitsPerSymbol', 'perplexity', 'rmse', 'stepDecay', 'cosineDecay', 'warmup', 'reduceOnPlateau', 'earlyStopping']) {
      expect(section).toContain(name);
    }
  });
});
