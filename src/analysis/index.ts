/**
 * rnnkit/analysis: how gradients flow through an Elman RNN (docs/theory.md,
 * the vanishing and exploding gradients): temporal Jacobians, Hochreiter's
 * bound, the W_rec gradient by lag, ReLU paths, a training monitor and SVG
 * charts. Its own entry, so that apps that train and run models do not carry
 * it; it uses the models of the 'rnnkit' entry the app imports.
 */
export {
  analyzeGradientFlow, temporalJacobian, lagContributions, reluPaths, gradientFlowToJSON,
  type GradientFlowOptions, type GradientFlowReport,
} from './gradient-flow.js';
export type { JacobianNorms } from './jacobians.js';
export type { HochreiterBound, Crossings } from './bound.js';
export { longShortRatio, type LagContributions } from './lag-contributions.js';
export type { ReluPaths } from './relu-paths.js';
export { spectralRadius } from './linalg.js';
export { gradientMonitor, type GradientMonitor, type GradientMonitorOptions, type MonitorRecord, type MonitorWarning } from './monitor.js';
export { jacobianHeatmapSvg, normBoundSvg, lagContributionsSvg, monitorSvg } from './svg.js';

