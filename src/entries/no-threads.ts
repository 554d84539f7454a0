import type { Backend } from '../backend/index.js';
import type { Network } from '../model/network.js';
import { gradientPasses, type GradientAlgorithm, type GradientThreads } from '../train/gradient-algorithm.js';
import type { ThreadPoolOptions } from '../threads/pool.js';

export type { ThreadPoolOptions } from '../threads/pool.js';

/**
 * The thread pool of the entries that cannot run threads — rnnkit/js (no
 * wasm kernels to share) and the workerd and edge-light entries (no workers
 * there) — in place of src/threads/pool.ts (tsup.config.ts), so that their
 * bundles do not carry the worker code. Same API: one thread, and why.
 */
export class ThreadPool implements GradientThreads {
  readonly threads = 1;
  readonly requested: number;
  readonly reason = 'this build of rnnkit runs on one thread (rnnkit/js has no wasm kernels; workerd and edge runtimes have no workers)';
  readonly ready: Promise<void> = Promise.resolve();
  readonly minShareFlops = 12e6;
  readonly backend: Backend | undefined = undefined;
  readonly recorders: readonly never[] = [];
  readonly active = 1;
  readonly canBlock = false;

  constructor(options: ThreadPoolOptions = {}) {
    this.requested = typeof options.threads === 'number' ? options.threads : 1;
  }

  get unavailable(): string {
    return this.reason;
  }

  reasonFor(_model: Network<unknown>): string {
    return this.reason;
  }

  prepare(_model: Network<unknown>): void {}

  passes<Data>(model: Network<Data>, data: Data, indices: ArrayLike<number>, algorithm: GradientAlgorithm, accumulate: boolean): Generator<number> {
    return gradientPasses(model, data, indices, algorithm, accumulate);
  }

  dispose(): void {}
}

export function createThreadPool(options: ThreadPoolOptions = {}): ThreadPool {
  return new ThreadPool(options);
}
