// A page that deploys a model exported by rnnkit/onnx: onnxruntime-web (its
// wasm backend, served beside the page under ort/) runs model.onnx on the
// token ids of onnx-inputs.json; the outputs go back to run.mjs, which
// compares them with what rnnkit computed in Node.
import * as ort from './ort/ort.wasm.min.mjs';
import { runtime } from './job.mjs';

try {
  ort.env.wasm.numThreads = 1; // a page that is not cross-origin isolated has no threads
  ort.env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;
  const [model, { ids }] = await Promise.all([
    fetch('./model.onnx').then((r) => r.arrayBuffer()),
    fetch('./onnx-inputs.json').then((r) => r.json()),
  ]);
  const session = await ort.InferenceSession.create(new Uint8Array(model), { executionProviders: ['wasm'] });
  const x = new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [ids.length, ids[0].length]);
  const outputs = await session.run({ x });
  globalThis.rnnkitResult = {
    runtime: runtime(),
    backend: `onnxruntime-web ${ort.env.versions.web} (wasm)`,
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, { dims: t.dims, data: Array.from(t.data) }])),
  };
} catch (error) {
  globalThis.rnnkitResult = { error: String(error?.stack ?? error) };
}
