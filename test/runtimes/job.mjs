// The training job every runtime runs: a tiny Elman RNN (2→8→1, tanh, Adam)
// learns to output, at each step, the mean of the previous step's two inputs.
// 16 sequences of 12 steps, all from fixed seeds; 40 full-batch steps. Plain
// JavaScript over the public API, so it loads unchanged in Node, Bun, Deno,
// workerd, a page and a worker. Given rnnkit/online, the same stream is then
// learned online (SnAp-1, one step at a time), which loads its kernels' module.

export const STEPS = 40;

/** Runs the job on one rnnkit module namespace; what it reports is JSON-safe. */
export function trainingJob(rnnkit, online) {
  const { ElmanRNN, Random, sequenceBatch, train, backendInfo } = rnnkit;
  const random = new Random(42);
  const inputs = [];
  const targets = [];
  for (let b = 0; b < 16; b++) {
    const xs = [];
    const ys = [];
    let previous = [0, 0];
    for (let t = 0; t < 12; t++) {
      const x = [random.uniform(-1, 1), random.uniform(-1, 1)];
      xs.push(x);
      ys.push([(previous[0] + previous[1]) / 2]);
      previous = x;
    }
    inputs.push(xs);
    targets.push(ys);
  }
  const batch = sequenceBatch({ inputs, targets });
  const model = new ElmanRNN({ inputSize: 2, hiddenSize: 8, outputSize: 1, seed: 7 });
  const result = train(model, batch, { epochs: STEPS, shuffle: false, optimizer: { type: 'adam', learningRate: 0.02 } });
  // Given rnnkit/online, the same stream learned online, one step at a time, by SnAp-1: its wasm module loads here.
  let onlineFirst, onlineLoss;
  if (online) {
    const learner = new online.OnlineLearner(new ElmanRNN({ inputSize: 2, hiddenSize: 8, outputSize: 1, seed: 7 }), {
      algorithm: online.snap({ n: 1 }), optimizer: { type: 'adam', learningRate: 0.02 },
    });
    onlineFirst = 0;
    onlineLoss = 0;
    for (let b = 0; b < 16; b++) {
      for (let t = 0; t < 12; t++) {
        const { loss } = learner.learn(inputs[b][t], targets[b][t]);
        if (b < 2) onlineFirst += loss;
        if (b >= 14) onlineLoss += loss;
      }
    }
  }
  return {
    onlineFirst,
    onlineLoss,
    runtime: runtime(),
    backend: model.backend.name,
    fallbacks: backendInfo().fallbacks,
    steps: result.steps,
    firstLoss: result.history[0].loss,
    loss: result.history[result.history.length - 1].loss,
  };
}

/**
 * Data-parallel training on two threads where the runtime allows it: an LSTM
 * (3→12→2) on 12 sequences of 10 steps, Adam, 8 full-batch steps, trained
 * on one thread, then twice with a pool of two (train() where this thread
 * may block, trainAsync() on a page's main thread). Where threads cannot
 * run, the pool has one thread and says why, and training runs here.
 */
export async function threadsJob(rnnkit) {
  const { RecurrentNetwork, Random, createSequenceBatch, createThreadPool, train, trainAsync } = rnnkit;
  const pool = createThreadPool({ threads: 2, minShareFlops: 0 });
  await pool.ready;
  const random = new Random(3);
  const batch = createSequenceBatch({
    size: 12, steps: 10, inputSize: 3, targetSize: 2,
    inputs: Float32Array.from({ length: 360 }, () => random.uniform(-1, 1)),
    targets: Float32Array.from({ length: 240 }, () => random.uniform(-1, 1)),
  });
  const start = new RecurrentNetwork({ cell: 'lstm', inputSize: 3, hiddenSize: 12, outputSize: 2, seed: 5 });
  const options = { epochs: 8, shuffle: false, optimizer: { type: 'adam', learningRate: 0.02 } };
  const run = async (threads) => {
    const model = start.clone();
    const result = pool.canBlock ? train(model, batch, { ...options, threads }) : await trainAsync(model, batch, { ...options, threads });
    return { loss: result.history[result.history.length - 1].loss, inPool: pool.backend !== undefined && model.backend === pool.backend };
  };
  const single = await run(undefined), first = await run(pool), again = await run(pool);
  pool.dispose();
  return { threads: pool.threads, reason: pool.reason, blocking: pool.canBlock, single: single.loss, loss: first.loss, again: again.loss, inPool: first.inPool };
}

/** Which runtime this is, by what each one alone defines. */
export function runtime() {
  const g = globalThis;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (g.process?.versions?.node) return `Node ${g.process.versions.node}`;
  const chrome = /(?:Headless)?Chrome\/[\d.]+/.exec(g.navigator?.userAgent ?? '');
  return chrome ? chrome[0] : (g.navigator?.userAgent ?? 'unknown');
}
