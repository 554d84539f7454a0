/**
 * What each worker thread runs, as source text: started from a Blob URL (web
 * Workers: browsers, Deno, Bun) or with `eval: true` (Node's worker_threads,
 * as CommonJS, or as ESM when Node runs with --input-type=module), so it needs
 * no file beside the bundle and nothing is bundled twice. It references
 * nothing outside itself.
 *
 * The protocol (src/threads/pool.ts; one 256-byte control record per worker
 * in the shared memory, as Int32 words):
 *   [0] go      the caller increments it to start a run, sets −1 to stop
 *   [1] done    the worker sets it to the go value it finished
 *   [2] tape    byte address of the run's tape, [3] its length in float64s
 *   [4] status  0, or 1 after an error (its text in bytes 64.., length in [6])
 *   [5] ready   1 once the kernels are instantiated
 *   bytes 32..39: the run's result, a float64 (the sum of what the kernels returned)
 * The start message carries the core kernels' module and the online ones'
 * (both on the shared memory; the online one calls the core one's matrix products)
 * and every kernel's
 * name, core first: an opcode is an index into those names.
 * A tape is the kernel calls of one share, recorded by the caller
 * (src/threads/recorder.ts): opcode, argument count, the arguments.
 * One message starts a worker; after that, no message is sent per run.
 */
export const THREAD_SOURCE = `"use strict";
const port = typeof self === "object" && self !== null && typeof self.postMessage === "function" ? self
  : (typeof require === "function" ? require("node:worker_threads") : process.getBuiltinModule("node:worker_threads")).parentPort;
const receive = (handle) => { if (port.once) port.once("message", handle); else port.onmessage = (event) => handle(event.data); };
receive((init) => {
  const { modules, memory, control, names, scratch } = init;
  const base = control >> 2;
  let words = new Int32Array(memory.buffer), floats = new Float64Array(memory.buffer);
  const fail = (error) => {
    const text = new TextEncoder().encode(error instanceof Error ? error.name + ": " + error.message : String(error)).subarray(0, 192);
    new Uint8Array(memory.buffer, control + 64, 192).set(text);
    Atomics.store(words, base + 6, text.length);
    Atomics.store(words, base + 4, 1);
  };
  let kernels;
  try {
    const all = {};
    for (const bytes of modules) {
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { ...all, memory } }).exports;
      if (exports.setScratch) exports.setScratch(scratch);
      for (const name in exports) if (!(name in all)) all[name] = exports[name];
    }
    kernels = names.map((name) => all[name]);
  } catch (error) {
    fail(error);
  }
  Atomics.store(words, base + 5, 1);
  Atomics.notify(words, base + 5);
  if (!kernels) return;
  let seen = 0;
  for (;;) {
    Atomics.wait(words, base, seen);
    const go = Atomics.load(words, base);
    if (go < 0) break;
    if (go === seen) continue;
    seen = go;
    if (words.buffer.byteLength !== memory.buffer.byteLength) {
      words = new Int32Array(memory.buffer);
      floats = new Float64Array(memory.buffer);
    }
    let result = 0;
    try {
      let at = words[base + 2] >> 3;
      const end = at + words[base + 3];
      while (at < end) {
        const kernel = kernels[floats[at]], count = floats[at + 1];
        const a = at + 2;
        const value = count === 3 ? kernel(floats[a], floats[a + 1], floats[a + 2])
          : count === 4 ? kernel(floats[a], floats[a + 1], floats[a + 2], floats[a + 3])
          : count === 5 ? kernel(floats[a], floats[a + 1], floats[a + 2], floats[a + 3], floats[a + 4])
          : kernel(...floats.subarray(a, a + count));
        if (typeof value === "number") result += value;
        at = a + count;
      }
    } catch (error) {
      fail(error);
    }
    floats[(control + 32) >> 3] = result;
    Atomics.store(words, base + 1, go);
    Atomics.notify(words, base + 1);
  }
  if (port.close) port.close();
});
`;
