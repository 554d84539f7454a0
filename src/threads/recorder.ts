import type { Kernels } from '../backend/backend.js';
import { wasmKernels } from '../backend/wasm-kernels.js';

/**
 * Kernels that compute nothing: each call is appended to a tape — opcode (the
 * kernel's index in `names`), argument count, the arguments as the wasm
 * kernel takes them (byte addresses) — for a worker thread to replay on the
 * same shared memory (src/threads/thread-source.ts). The translation from
 * (view, element offset) to byte address is the wasm backend's own
 * (wasmKernels), so a replayed call is exactly the call the model would have
 * made. An algorithm's own kernels (RTRL's) are recorded the same way: its
 * façade attaches them to the recorder's table (attachKernels), which wraps
 * the recording functions of those names, and the worker replays them from
 * the module's exports like any other kernel. Calls that return a value (the loss) return 0 here; the worker adds
 * up what they really return.
 *
 * Recording is sound because a model's pass reads nothing back between its
 * kernel calls: every value it writes from JS (the loaded batch) is written
 * before its first kernel call, and the worker runs the tape after that.
 */
export interface Recorder {
  readonly kernels: Kernels;
  /** Starts a new tape. */
  begin(): void;
  /** The tape so far (a view, valid until the next call). */
  readonly tape: Float64Array;
}

export function createRecorder(names: readonly string[]): Recorder {
  let buffer = new Float64Array(256);
  let length = 0;
  const exports: Record<string, (...args: number[]) => number> = {};
  names.forEach((name, op) => {
    exports[name] = (...args: number[]) => {
      if (length + 2 + args.length > buffer.length) {
        const grown = new Float64Array(Math.max(buffer.length * 2, length + 2 + args.length));
        grown.set(buffer.subarray(0, length));
        buffer = grown;
      }
      buffer[length++] = op;
      buffer[length++] = args.length;
      for (const a of args) buffer[length++] = a;
      return 0;
    };
  });
  return {
    kernels: wasmKernels(exports as never),
    begin() { length = 0; },
    get tape() { return buffer.subarray(0, length); },
  };
}
