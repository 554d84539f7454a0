import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readmeSection, runBlock } from './helpers/readme.js';

/* The README's section on threads runs as written, and says what this machine does. */
const { blocks } = readmeSection('## Training on every core (threads)');

describe('README: training on every core', () => {
  it('trains the M LSTM on a pool of every core, which this 2-core machine has', () => {
    expect(blocks).toHaveLength(1);
    const { pool, model, result } = runBlock(blocks[0]!, '{ pool, model, result }') as unknown as { pool: { threads: number; reason: unknown; backend: unknown }; model: { backend: unknown }; result: { history: { loss: number }[] } };
    expect(pool.threads).toBe(Math.min(16, createRequire(import.meta.url)('node:os').availableParallelism()));
    expect(pool.reason).toBeUndefined();
    expect(model.backend).toBe(pool.backend);
    expect(result.history).toHaveLength(5);
    expect(result.history[4]!.loss).toBeLessThan(result.history[0]!.loss);
  });
});
