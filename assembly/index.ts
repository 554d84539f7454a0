// The WebAssembly kernels: twins of src/kernels/js, same names and argument
// order, with byte addresses instead of (array, offset) pairs. Built twice from
// this source: with SIMD (f32x4) and without (ASC_FEATURE_SIMD false). The online
// algorithms' kernels are a module of their own (assembly/online.ts).
export { matmulABt, matmulAB, matmulAtB, columnSums, setScratch } from './matmul';
export { activationForward, activationBackward } from './activation';
export { denseForward, denseBackward } from './dense';
export { elmanForward, elmanBackward } from './elman';
export { lstmForward, lstmBackward } from './lstm';
export { gruForward, gruBackward } from './gru';
export { embeddingForward, embeddingBackward } from './embedding';
export { dropoutMask, multiply } from './dropout';
export { lossForwardBackward } from './loss';
export { sgdUpdate, momentumUpdate, adamUpdate } from './optimizer';
export { sumSquares, allFinite, scaleInPlace, clampInPlace, copy, fill, sumRowsInto, broadcastRows, addInPlace } from './vector';
