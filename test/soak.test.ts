import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/*
 * A bounded memory soak (issue 16), in a Node process of its own with
 * --expose-gc so that collection can be forced: models created and dropped
 * without dispose(), online learners created and disposed, a long training
 * run, a long stepped stream. Between the second and the last checkpoint of
 * each, the JS heap (after gc) and the wasm memory must stay flat — the
 * bounds are stated below — where a leak of one model, learner, step or
 * epoch's worth of memory per round would grow them without end.
 */
const SCRIPT = `
import { RecurrentNetwork, ElmanRNN, RnnStepper, getBackend, sequenceBatch, train } from './dist/index.js';
import { OnlineLearner } from './dist/online.js';
const wasm = getBackend('wasm-simd');
const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 10)); } };
const report = {};
async function soak(name, rounds, round) {
  const heap = [], memory = [];
  for (let i = 0; i < rounds; i++) {
    await round(i);
    await settle();
    heap.push(process.memoryUsage().heapUsed);
    memory.push(wasm.memoryBytes);
  }
  report[name] = { heapGrowth: heap.at(-1) - heap[1], memoryGrowth: memory.at(-1) - memory[1], memory: memory.at(-1) };
}
const batch = sequenceBatch({ inputs: Array.from({ length: 8 }, (_, b) => Array.from({ length: 12 }, (_, t) => [Math.sin(b + t), Math.cos(t)])),
  targets: Array.from({ length: 8 }, (_, b) => Array.from({ length: 12 }, (_, t) => [Math.sin(b + t + 1)])) });
// 6 rounds × 300 models of ~17 k parameters (5 blocks × 4 bytes each: ~340 kB a model, ~100 MB a round), never disposed.
await soak('undisposed models', 6, () => {
  for (let i = 0; i < 300; i++) new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: 64, outputSize: 1 }).loss;
});
const model = new ElmanRNN({ inputSize: 2, hiddenSize: 16, outputSize: 1 });
await soak('online learners', 6, () => {
  for (let i = 0; i < 300; i++) {
    const learner = new OnlineLearner(model, { algorithm: i % 2 ? 'rtrl' : { type: 'tbptt', k: 8 } });
    learner.learn([1, 0], [0.5]);
    learner.dispose();
  }
});
const trained = new RecurrentNetwork({ cell: 'gru', inputSize: 2, hiddenSize: 16, outputSize: 1 });
await soak('long training', 6, () => { train(trained, batch, { epochs: 50, batchSize: 4 }); });
const stepper = new RnnStepper(new RecurrentNetwork({ cell: 'lstm', inputSize: 2, hiddenSize: 16, outputSize: 1 }));
await soak('stepped stream', 6, () => { for (let t = 0; t < 20000; t++) stepper.step([Math.sin(t), 1]); });
console.log(JSON.stringify(report));
`;

describe('memory soak (bounded)', () => {
  it('undisposed models, online learners, long training and a long stream leave the heap and wasm memory flat', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, { heapGrowth: number; memoryGrowth: number; memory: number }>;
    for (const [name, r] of Object.entries(report)) {
      // Bounds: 4 MB of JS heap over four rounds (a leak of one model per created model would be ~100 MB); no wasm growth at all.
      expect(r.heapGrowth, `${name}: heap grew by ${r.heapGrowth} bytes`).toBeLessThan(4e6);
      expect(r.memoryGrowth, `${name}: wasm memory grew by ${r.memoryGrowth} bytes`).toBe(0);
    }
    // 300 undisposed LSTM models a round held ~100 MB: collected, their blocks were reused, so the memory stayed near one round's worth.
    expect(report['undisposed models']!.memory).toBeLessThan(400e6);
  }, 150_000);
});
