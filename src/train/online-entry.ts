/**
 * rnnkit/online: learning from a stream, one step at a time, and the online
 * gradient algorithms: exact RTRL (rtrl()), SnAp-1 (snap()) and UORO
 * (uoro()), which train(), computeGradients() and the OnlineLearner take as
 * `algorithm`. Its own entry, with its own wasm kernels
 * (rnnkit-online-simd.wasm, embedded), so that an app that trains by
 * backpropagation carries none of it; it works on the models of the 'rnnkit'
 * the app imports, on the same wasm memory. Loading it lets thread pools
 * created afterwards run these algorithms on their workers.
 */
export { rtrl, rtrlBytes, RTRL_DEFAULT_MAX_BYTES, type RtrlOptions, type RtrlAlgorithm } from './rtrl.js';
export { snap, snapBytes, SNAP_DEFAULT_MAX_BYTES, type SnapOptions, type SnapAlgorithm } from './snap.js';
export { uoro, type UoroOptions, type UoroAlgorithm } from './uoro.js';
export { OnlineLearner, type OnlineLearnerOptions, type OnlineAlgorithm, type OnlineStepInfo } from './online.js';
export {
  learnFromStream,
  type StreamStep, type StreamStepInfo, type LearnFromStreamOptions, type LearnFromStreamResult,
} from '../data/stream.js';
