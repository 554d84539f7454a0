import { simdKernelBytes, type Arena, type Backend } from '../backend/index.js';
import { registeredOnlineKernels } from '../backend/online-registry.js';
import { wasmBackend } from '../backend/wasm.js';
import { checkInteger, checkKeys, checkNumber, RnnkitError } from '../errors.js';
import type { Network } from '../model/network.js';
import type { GradientAlgorithm } from '../train/gradient-algorithm.js';
import { dataParallelPasses } from './data-parallel.js';
import { createRecorder, type Recorder } from './recorder.js';
import { sharedMemoryModuleBytes } from './shared-module.js';
import { THREAD_SOURCE } from './thread-source.js';

/** The options of createThreadPool() and `new ThreadPool()`. */
export interface ThreadPoolOptions {
  /**
   * Threads that compute, the calling one included: an integer in [1, 256], or 'auto'
   * (the cores this machine reports, at most 16). Default 'auto'.
   */
  threads?: number | 'auto';
  /**
   * Nominal FLOPs (floating-point operations, as the benchmarks count a training step, ≥ 0) each
   * thread's share of a pass must reach for the pass to be split; below, fewer
   * threads take part, down to the calling one alone. Default 12e6: handing
   * a share over costs tens of microseconds (bench/threads.mjs measured Elman
   * S, 18.9 MFLOP a step, slower on two threads; LSTM S, 66 MFLOP, faster).
   */
  minShareFlops?: number;
}

/** Most threads 'auto' picks: past that, a mini-batch's shares get too small to pay for the hand-over. */
const AUTO_MAX = 16;
const MAX_THREADS = 256;
/** The shared memory's maximum: wasm32's 4 GiB. Reserved address space only, committed as it grows. */
const MAXIMUM_PAGES = 65536;
/** One worker's control record (thread-source.ts), in 32-bit words. */
const RECORD_WORDS = 64;
/** How long a blocking caller waits for the workers to start (they take tens of milliseconds). */
const STARTUP_MS = 15_000;
const GO = 0, DONE = 1, TAPE = 2, TAPE_LENGTH = 3, STATUS = 4, READY = 5, ERROR_LENGTH = 6, RESULT_BYTE = 32, ERROR_BYTE = 64;

interface ThreadHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
  /** Node and Bun: whether the worker keeps the process alive (only while a caller awaits it). */
  ref?(): void;
  unref?(): void;
}

/**
 * Worker threads for data-parallel training over one shared WebAssembly
 * memory. Create one, pass it as `threads` to train(), trainAsync() or
 * computeGradients(), and dispose() it when done (its workers never keep a
 * Node process alive). A model trained with a pool moves into the pool's
 * memory on first use (its parameters are copied once) and stays there.
 *
 * Where threads cannot run — no SharedArrayBuffer (a page that is not
 * cross-origin isolated), no workers (Cloudflare workerd), an entry without
 * the kernels' bytes — the pool has `threads` = 1 and `reason` says why;
 * training with it then runs on the calling thread. Never an error.
 */
export class ThreadPool {
  /** Threads that compute, the calling one included; 1 when no worker could start. */
  readonly threads: number;
  /** What was asked for. */
  readonly requested: number;
  /** Why `threads` is less than `requested`, or undefined. */
  readonly reason: string | undefined;
  /** Resolves when every worker is ready (immediately when there are none). */
  readonly ready: Promise<void>;
  /** The FLOPs a thread's share of a pass must reach for the pass to be split (the option, default 12e6). */
  readonly minShareFlops: number;

  private failure: string | undefined;
  private readonly shared: SharedParts | undefined;
  private readonly handles: ThreadHandle[] = [];
  private readonly tapes: (Arena | undefined)[] = [];
  private runs = 0;
  /** Workers handed a tape in the current run (0 between runs). */
  private inRun = 0;
  private disposed = false;

  constructor(options: ThreadPoolOptions = {}) {
    checkKeys('thread pool options', options, ['threads', 'minShareFlops']);
    this.minShareFlops = checkNumber('minShareFlops', options.minShareFlops ?? 12e6, 0);
    this.requested = options.threads === undefined || options.threads === 'auto'
      ? Math.min(AUTO_MAX, availableCores())
      : checkInteger('threads', options.threads, 1, MAX_THREADS);
    let shared: SharedParts | undefined;
    let reason: string | undefined;
    if (this.requested > 1) {
      try {
        shared = startWorkers(this.requested - 1, this.handles);
      } catch (error) {
        for (const h of this.handles) h.terminate();
        this.handles.length = 0;
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    this.shared = shared;
    this.reason = reason;
    this.threads = shared ? this.requested : 1;
    // A worker that dies (its script refused, say) is reported when the event loop runs: waiters wake and see it.
    this.handles.forEach((h, w) => onError(h, (message) => {
      this.failure ??= `worker ${w + 1} stopped: ${message}`;
      const words = shared!.words();
      Atomics.store(words, shared!.record(w) + READY, 1);
      Atomics.notify(words, shared!.record(w) + READY);
      Atomics.notify(words, shared!.record(w) + DONE);
    }));
    this.ready = shared ? this.waitReady() : Promise.resolve();
    this.ready.catch(() => undefined);
  }

  /** The backend over the shared memory (undefined without workers): models trained with this pool live there. */
  get backend(): Backend | undefined {
    return this.shared?.backend;
  }

  /** Why this pool computes on one thread now: its reason, a worker's failure, or dispose(). */
  get unavailable(): string | undefined {
    if (this.disposed) return 'the thread pool was disposed';
    if (!this.shared) return this.reason ?? 'the pool has one thread';
    return this.failure;
  }

  /** Threads usable now: `threads`, or 1 after dispose() or a worker's failure. */
  get active(): number {
    return this.unavailable ? 1 : this.threads;
  }

  /** @internal One recorder per worker; share s ≥ 1 of a batch is recorded by recorders[s − 1]. */
  get recorders(): readonly Recorder[] {
    return this.shared?.recorders ?? [];
  }

  /** @internal Whether this thread may block (Atomics.wait): not on a browser page's main thread. */
  get canBlock(): boolean {
    return canBlock();
  }

  /**
   * Why this model trains on one thread with this pool, or undefined when it
   * uses every thread: threads need a float32 model on wasm-simd (float64 and
   * the js backend stay on the calling thread).
   */
  reasonFor(model: Network<unknown>): string | undefined {
    if (this.unavailable) return this.unavailable;
    if (model.backend === this.backend) return undefined;
    if (model.dtype !== 'float32') return `the model is ${model.dtype}: threads run the wasm kernels, float32 only`;
    if (model.backend.name !== 'wasm-simd') return `the model is on the ${model.backend.name} backend: threads run the wasm-simd kernels`;
    // Its frames were planned with the kernels of the memory it is in. (Pinned regions follow the optimizer state.)
    if (model.workspace.fixedLength > model.block.moment2 + model.parameterCount + 3) return 'an OnlineLearner keeps state in this model\'s memory, which cannot move to the pool\'s';
    return undefined;
  }

  /** @internal Moves a model that can use the threads into the pool's shared memory (once; its parameters are copied). */
  prepare(model: Network<unknown>): void {
    if (this.reasonFor(model) === undefined && model.backend !== this.backend) model.workspace.relayout(this.backend!, model.workspace.fixedLength);
  }

  /** @internal */
  passes<Data>(
    model: Network<Data>, data: Data, indices: ArrayLike<number>, algorithm: GradientAlgorithm, accumulate: boolean, blocking: boolean,
  ): Generator<number | Promise<unknown>> {
    return dataParallelPasses(this, model, data, indices, algorithm, accumulate, blocking);
  }

  /** Stops the workers. Models keep working on the calling thread, in the same memory. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stop();
  }

  private stop(): void {
    const s = this.shared;
    if (s) {
      const words = s.words();
      for (let w = 0; w < this.handles.length; w++) {
        Atomics.store(words, s.record(w) + GO, -1);
        Atomics.notify(words, s.record(w) + GO);
        // Wakes a caller waiting for this worker (trainAsync): it then sees the pool disposed.
        Atomics.notify(words, s.record(w) + DONE);
      }
    }
    for (const h of this.handles) h.terminate();
  }

  /**
   * Hands tape w to worker w (tapes.length ≤ workers) and returns at once: the
   * workers replay while the caller computes its own share. finish() or
   * finishAsync() must follow before the next start().
   * @internal
   */
  start(tapes: readonly Float64Array[]): void {
    let s = this.requireShared();
    if (!this.isReady()) {
      this.waitReadyBlocking();
      s = this.requireShared();
    }
    if (this.inRun > 0) throw new RnnkitError('threads: a run is still in progress');
    for (let w = 0; w < tapes.length; w++) {
      const need = tapes[w]!.length * 2;
      if (!this.tapes[w] || this.tapes[w]!.length < need) {
        this.tapes[w]?.release();
        this.tapes[w] = s.backend.allocate(Math.max(need * 2, 1024), 'float32');
      }
    }
    const words = s.words(), floats = new Float64Array(words.buffer);
    this.runs++;
    for (let w = 0; w < tapes.length; w++) {
      const address = this.tapes[w]!.mem.byteOffset, base = s.record(w);
      floats.set(tapes[w]!, address >> 3);
      words[base + TAPE] = address;
      words[base + TAPE_LENGTH] = tapes[w]!.length;
      words[base + STATUS] = 0;
      Atomics.store(words, base + GO, this.runs);
      Atomics.notify(words, base + GO);
    }
    this.inRun = tapes.length;
  }

  /** @internal Blocks until the workers of the run have finished; their results (what their kernels returned, summed). */
  finish(): Float64Array {
    const s = this.shared!;
    for (let w = 0; w < this.inRun; w++) {
      const words = s.words(), at = s.record(w) + DONE;
      for (let seen = Atomics.load(words, at); seen !== this.runs && !this.disposed; seen = Atomics.load(words, at)) {
        Atomics.wait(words, at, seen, 1000);
      }
    }
    return this.results();
  }

  /** @internal finish() without blocking the calling thread (a page's main thread, trainAsync). */
  async finishAsync(): Promise<Float64Array> {
    const s = this.shared!;
    this.keepAlive(true);
    try {
      for (let w = 0; w < this.inRun; w++) {
        for (;;) {
          const words = s.words(), at = s.record(w) + DONE, seen = Atomics.load(words, at);
          if (seen === this.runs || this.disposed || this.failure) break;
          await waitAsync(words, at, seen, 1000);
        }
      }
    } finally {
      this.keepAlive(false);
    }
    return this.results();
  }

  /** Node: a pending Atomics.waitAsync does not keep the process alive, the workers it waits for must (and only then). */
  private keepAlive(on: boolean): void {
    for (const h of this.handles) if (on) h.ref?.(); else h.unref?.();
  }

  private results(): Float64Array {
    const s = this.shared!, count = this.inRun;
    this.inRun = 0;
    if (this.disposed) throw new RnnkitError('threads: the thread pool was disposed during a run; the weights are those before it');
    const words = s.words(), bytes = new Uint8Array(words.buffer), floats = new Float64Array(words.buffer);
    const results = new Float64Array(count);
    for (let w = 0; w < count; w++) {
      const record = s.record(w), byte = record * 4;
      if (words[record + STATUS] !== 0) {
        const text = new TextDecoder().decode(bytes.slice(byte + ERROR_BYTE, byte + ERROR_BYTE + words[record + ERROR_LENGTH]!));
        this.failure = `worker ${w + 1} failed: ${text}`;
        this.stop();
        throw new RnnkitError(`threads: ${this.failure}; the weights are those before this step, and the pool now runs on one thread`);
      }
      results[w] = floats[(byte + RESULT_BYTE) >> 3]!;
    }
    return results;
  }

  private isReady(): boolean {
    const s = this.shared!, words = s.words();
    return this.handles.every((_, w) => Atomics.load(words, s.record(w) + READY) === 1);
  }

  /**
   * Waits, blocking, for the workers to instantiate the kernels. A worker
   * whose script fails cannot say so while this thread blocks (its error
   * event needs the event loop), hence the deadline.
   */
  private waitReadyBlocking(): void {
    const s = this.shared!;
    const deadline = Date.now() + STARTUP_MS;
    for (let w = 0; w < this.handles.length && !this.failure; w++) {
      const words = s.words(), at = s.record(w) + READY;
      while (Atomics.load(words, at) !== 1) {
        if (Date.now() > deadline) {
          this.failure = `worker ${w + 1} did not start within ${STARTUP_MS / 1000} s`;
          this.stop();
          return;
        }
        Atomics.wait(words, at, 0, 50);
      }
    }
    this.checkStarted();
  }

  private async waitReady(): Promise<void> {
    const s = this.shared!;
    this.keepAlive(true);
    try {
      for (let w = 0; w < this.handles.length; w++) {
        for (;;) {
          const words = s.words(), at = s.record(w) + READY;
          if (Atomics.load(words, at) === 1 || this.disposed || this.failure) break;
          await waitAsync(words, at, 0, 100);
        }
      }
    } finally {
      this.keepAlive(false);
    }
    this.checkStarted();
  }

  /** A worker that could not instantiate the kernels reports it as it gets ready. */
  private checkStarted(): void {
    const s = this.shared!, words = s.words();
    for (let w = 0; w < this.handles.length; w++) {
      if (words[s.record(w) + STATUS] !== 0 && !this.failure) {
        const byte = s.record(w) * 4;
        const text = new TextDecoder().decode(new Uint8Array(words.buffer).slice(byte + ERROR_BYTE, byte + ERROR_BYTE + words[s.record(w) + ERROR_LENGTH]!));
        this.failure = `worker ${w + 1} could not start: ${text}`;
      }
    }
  }

  private requireShared(): SharedParts {
    if (!this.shared || this.unavailable) throw new RnnkitError(`threads: not available (${this.unavailable ?? 'no workers'})`);
    return this.shared;
  }
}

/** A thread pool (see ThreadPool). */
export function createThreadPool(options: ThreadPoolOptions = {}): ThreadPool {
  return new ThreadPool(options);
}

interface SharedParts {
  readonly backend: Backend;
  readonly recorders: readonly Recorder[];
  /** The memory as 32-bit words (a fresh view after growth). */
  words(): Int32Array;
  /** Word index of worker w's control record. */
  record(w: number): number;
}

function startWorkers(count: number, handles: ThreadHandle[]): SharedParts {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    throw new Error('no SharedArrayBuffer here (a browser page needs cross-origin isolation: COOP and COEP headers)');
  }
  if (typeof (Atomics as { waitAsync?: unknown }).waitAsync !== 'function') throw new Error('this runtime lacks Atomics.waitAsync');
  const spawn = workerFactory();
  const bytes = sharedMemoryModuleBytes(simdKernelBytes(), MAXIMUM_PAGES);
  // The online algorithms' kernels (assembly/online.ts) on the same shared memory, in every worker, when the app
  // imports rnnkit/online (which registers them as it loads): a pool's workers start once and cannot load them later.
  const onlineBytes = registeredOnlineKernels();
  const online = onlineBytes && sharedMemoryModuleBytes(onlineBytes, MAXIMUM_PAGES);
  const onlineModule = online && new WebAssembly.Module(online as Uint8Array<ArrayBuffer>);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAXIMUM_PAGES, shared: true });
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const backend = wasmBackend(module, 'simd', { env: { memory } }, onlineModule);
  const exports = backend.instance.exports as Record<string, unknown>;
  const names = Object.keys(exports).filter((name) => typeof exports[name] === 'function');
  // A recorder records the online kernels too, numbered after the core ones; a worker looks them up in the same order.
  if (onlineModule) for (const e of WebAssembly.Module.exports(onlineModule)) if (e.kind === 'function' && !names.includes(e.name)) names.push(e.name);
  const scratchBytes = (exports.setScratch as (address: number) => number)(0);
  const control = backend.allocate(RECORD_WORDS * count, 'float32');
  const controlWord = control.mem.byteOffset >> 2;
  const scratch = Array.from({ length: count }, () => backend.allocate(scratchBytes / 4, 'float32'));
  let view = new Int32Array(memory.buffer);
  const parts: SharedParts = {
    backend,
    recorders: Array.from({ length: count }, () => createRecorder(names)),
    words() {
      if (view.buffer !== memory.buffer) view = new Int32Array(memory.buffer);
      return view;
    },
    record: (w) => controlWord + w * RECORD_WORDS,
  };
  for (let w = 0; w < count; w++) {
    const handle = spawn();
    handles.push(handle);
    handle.postMessage({ modules: online ? [bytes, online] : [bytes], memory, control: control.mem.byteOffset + w * RECORD_WORDS * 4, names, scratch: scratch[w]!.mem.byteOffset });
  }
  return parts;
}

/** Starts a worker running THREAD_SOURCE: a web Worker from a Blob URL, or Node's worker_threads. */
function workerFactory(): () => ThreadHandle {
  const g = globalThis as { Worker?: new (url: string, options?: object) => ThreadHandle; process?: { getBuiltinModule?: (id: string) => unknown } };
  if (typeof g.Worker === 'function' && typeof Blob === 'function' && typeof URL?.createObjectURL === 'function') {
    const url = URL.createObjectURL(new Blob([THREAD_SOURCE], { type: 'text/javascript' }));
    return () => {
      const worker = new g.Worker!(url, { type: 'module', name: 'rnnkit-thread' }) as ThreadHandle & { unref?: () => void };
      worker.unref?.();
      return worker;
    };
  }
  const threads = g.process?.getBuiltinModule?.('node:worker_threads') as
    | { Worker: new (source: string, options: object) => ThreadHandle & { unref(): void } } | undefined;
  if (threads) {
    return () => {
      const worker = new threads.Worker(THREAD_SOURCE, { eval: true, name: 'rnnkit-thread' });
      worker.unref();
      return worker;
    };
  }
  throw new Error('no worker threads in this runtime (no Worker, no node:worker_threads)');
}

function onError(handle: ThreadHandle, report: (message: string) => void): void {
  const h = handle as ThreadHandle & { on?: (event: string, f: (e: unknown) => void) => void; addEventListener?: (event: string, f: (e: unknown) => void) => void };
  const text = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String((e as { message?: unknown })?.message ?? e));
  if (h.on) {
    h.on('error', (e) => report(text(e)));
    h.on('exit', (code) => report(`exited (code ${String(code)})`));
  } else {
    h.addEventListener?.('error', (e) => report(text(e)));
  }
}

function availableCores(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  const n = os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** Atomics.waitAsync (ES2024): resolves when words[at] is notified, no longer `value`, or after `timeout` ms. */
function waitAsync(words: Int32Array, at: number, value: number, timeout: number): Promise<unknown> | undefined {
  const result = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } })
    .waitAsync(words, at, value, timeout);
  return result.async ? (result.value as Promise<unknown>) : undefined;
}

let blockable: boolean | undefined;
function canBlock(): boolean {
  if (blockable === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockable = true;
    } catch {
      blockable = false;
    }
  }
  return blockable;
}
