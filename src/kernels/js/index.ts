/**
 * The pure-JS kernels: the reference implementation and the fallback backend.
 * This is the core table every model references. An algorithm's own kernels
 * (./rtrl.ts) are not here: its façade attaches them when it is used
 * (KernelPair, src/backend/backend.ts).
 */
export * from './types.js';
export { matmulABt, matmulAB, matmulAtB, columnSums } from './matmul.js';
export { activationForward, activationBackward } from './activation.js';
export { denseForward, denseBackward } from './dense.js';
export { elmanForward, elmanBackward } from './elman.js';
export { lstmForward, lstmBackward } from './lstm.js';
export { gruForward, gruBackward } from './gru.js';
export { embeddingForward, embeddingBackward } from './embedding.js';
export { dropoutMask, multiply } from './dropout.js';
export { lossForwardBackward } from './loss.js';
export { sgdUpdate, momentumUpdate, adamUpdate } from './optimizer.js';
export { sumSquares, allFinite, scaleInPlace, clampInPlace, copy, fill, sumRowsInto, broadcastRows, addInPlace } from './vector.js';
