// The online algorithms' kernels (exact RTRL, SnAp-1, UORO): a second module, so that
// an app that never learns online carries none of them (the default entry embeds
// the core module, assembly/index.ts, in every bundle). It imports the core
// module's memory (env.memory) and matrix products (env.matmulAB and
// env.matmulABt, assembly/core-imports.ts) and works on the same arenas; its own static data
// (the activation table) sits at --memoryBase, above the core module's, and
// scripts/build-wasm.mjs checks that the two do not overlap. The JS façade
// instantiates it on first use (src/backend/attach-kernels.ts).
export { rtrlStep, rtrlInit, lstmRtrlStep, gruRtrlStep } from './rtrl';
export { snapStep, snapInit, snapLstmStep, snapGruStep } from './snap';
export { lstmUoroTangents, gruUoroTangents, uoroUpdate } from './uoro';
