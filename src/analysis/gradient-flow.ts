/**
 * The gradient-flow analysis of note 001 §1.3.4 as one call: for a model and
 * a batch, the temporal Jacobian norms ‖∂a^t/∂a^k‖₁ by (t, lag) and by lag,
 * Hochreiter's bound τ^{t−k} beside them and where each falls below a
 * threshold, ρ(W_rec) and ‖W_rec‖₁, the W_rec gradient split by lag, and for
 * ReLU the active units and enabled paths.
 *
 * Everything runs in float64 on a JS copy of the model. Cost, for B
 * sequences of T steps and r units (L = maxLag, default T − 1):
 * Jacobians O(B·T·L·r³) time and O(T² + r²) memory; the lag split
 * O(B·T²·r²) time and O(T·r²) memory. With B = 8 sequences of T = 50 steps
 * it took about 0.7 s at r = 32, 4 s at r = 64 and 27 s at r = 128 (Node 20,
 * one core); lower maxLag or use fewer sequences for bigger models.
 */
import { checkInteger, checkKeys, checkNumber, fail } from '../errors.js';
import { crossingsOf, hochreiterBoundOf, type Crossings, type HochreiterBound } from './bound.js';
import { jacobianNormsOf, jacobianOf, resolveMaxLag, type JacobianNorms } from './jacobians.js';
import { defaultLongFrom, lagContributionsOf, longShortRatio, type LagContributions } from './lag-contributions.js';
import { reluPathsOf, type ReluPaths } from './relu-paths.js';
import { trajectory } from './trajectory.js';
import type { Activation, ElmanRNN, SequenceBatch } from 'rnnkit';

/** The options of analyzeGradientFlow. */
export interface GradientFlowOptions {
  /** Largest lag t − k whose Jacobians are computed, an integer ≥ 1 (capped at T − 1). Default: all, T − 1. */
  maxLag?: number;
  /** Norm (> 0) below which a temporal contribution counts as vanished, for `crossings`. Default 0.01. */
  threshold?: number;
  /** Lags ≥ longFrom (an integer ≥ 1) are long-term in `longShortRatio`. Default max(2, ⌈T/4⌉). */
  longFrom?: number;
  /** Split the W_rec gradient by lag (needs targets). Default: when the batch has targets. */
  contributions?: boolean;
}

/** What analyzeGradientFlow finds: how gradients flow back through time in this model on this batch. */
export interface GradientFlowReport {
  /** σ, the model's hidden activation. */
  readonly activation: Activation;
  /** r: the model's hidden units. */
  readonly hiddenSize: number;
  /** T: steps per sequence of the batch. */
  readonly steps: number;
  /** B: sequences in the batch. */
  readonly sequences: number;
  /** ρ(W_rec), ‖W_rec‖₁, σ'max, τ, and τ^lag. */
  readonly bound: HochreiterBound;
  /** The temporal Jacobians' norms ‖∂a^t/∂a^k‖₁, by (t, lag) and by lag. */
  readonly jacobians: JacobianNorms;
  /** Where the norms and the bound fall below `threshold`, and the measured rate per step. */
  readonly crossings: Crossings;
  /** The W_rec gradient by lag, and its long/short-term ratio; undefined without `contributions`. */
  readonly contributions: (LagContributions & {
    /** Lags ≥ longFrom counted as long-term. */
    readonly longFrom: number;
    /** ‖long-term part‖_F / ‖short-term part‖_F of the W_rec gradient (see longShortRatio). */
    readonly longShortRatio: number;
  }) | undefined;
  /** ReLU models only. */
  readonly relu: ReluPaths | undefined;
}

const OPTION_KEYS = ['maxLag', 'threshold', 'longFrom', 'contributions'];

/**
 * The whole gradient-flow analysis of an ElmanRNN on a batch, in float64 on a
 * copy: Jacobian norms, Hochreiter's bound, the crossings, the W_rec gradient
 * by lag (with targets) and, for ReLU, the enabled paths.
 */
export function analyzeGradientFlow(model: ElmanRNN, batch: SequenceBatch, options: GradientFlowOptions = {}): GradientFlowReport {
  checkKeys('analyzeGradientFlow options', options, OPTION_KEYS);
  const threshold = checkNumber('threshold', options.threshold ?? 0.01, Number.MIN_VALUE);
  const hasTargets = batch?.targets !== undefined || batch?.classes !== undefined;
  const withContributions = options.contributions ?? hasTargets;
  if (typeof withContributions !== 'boolean') fail('contributions', 'a boolean', withContributions);
  const tr = trajectory(model, batch, withContributions);
  const maxLag = resolveMaxLag(tr, options.maxLag);
  const longFrom = checkInteger('longFrom', options.longFrom ?? defaultLongFrom(tr.steps), 1);
  const bound = hochreiterBoundOf(tr);
  const jacobians = jacobianNormsOf(tr, maxLag);
  let contributions: GradientFlowReport['contributions'];
  if (withContributions) {
    const c = lagContributionsOf(tr);
    contributions = { ...c, longFrom, longShortRatio: longShortRatio(c, longFrom) };
  }
  return {
    activation: tr.activation, hiddenSize: tr.hiddenSize, steps: tr.steps, sequences: tr.size,
    bound, jacobians, crossings: crossingsOf(jacobians.meanByLag, jacobians.maxByLag, bound, threshold),
    contributions, relu: tr.activation === 'relu' ? reluPathsOf(tr, maxLag) : undefined,
  };
}

/** ∂a^t/∂a^k (r×r, row-major, float64) for one sequence of the batch; 1 ≤ k ≤ t ≤ its length. */
export function temporalJacobian(model: ElmanRNN, batch: SequenceBatch, at: {
  /** The later step t, an integer in [1, the sequence's length]. */
  t: number;
  /** The earlier step k, an integer in [1, t]. */
  k: number;
  /** Which sequence of the batch, a 0-based index. Default 0. */
  sequence?: number;
}): Float64Array {
  checkKeys('temporalJacobian', at, ['t', 'k', 'sequence']);
  return jacobianOf(trajectory(model, batch, false), at.sequence ?? 0, at.t, at.k);
}

/** The BPTT gradient of W_rec split by lag; Σ_lag C_lag equals computeGradients(model, batch).gradients.W_rec. */
export function lagContributions(model: ElmanRNN, batch: SequenceBatch): LagContributions {
  return lagContributionsOf(trajectory(model, batch, true));
}

/** Active units and enabled paths of a ReLU RNN, and the elementwise bound |∂a^t/∂a^k| ≤ |W_rec|^{t−k}. */
export function reluPaths(model: ElmanRNN, batch: SequenceBatch, options: {
  /** Largest lag computed, an integer ≥ 1 (capped at T − 1). Default: all, T − 1. */
  maxLag?: number;
} = {}): ReluPaths {
  checkKeys('reluPaths options', options, ['maxLag']);
  const tr = trajectory(model, batch, false);
  return reluPathsOf(tr, resolveMaxLag(tr, options.maxLag));
}

/** Typed arrays as plain arrays, NaN and ±Infinity as null: JSON.stringify-ready. */
function plain(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : null));
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = plain(v);
    return out;
  }
  return value;
}

/**
 * The report as plain JSON data. The per-lag gradient matrices (T·r² numbers)
 * are left out unless `full`; their norms, the total and the ratio stay.
 */
export function gradientFlowToJSON(report: GradientFlowReport, options: {
  /** Keep the per-lag gradient matrices (T·r² numbers). Default false. */
  full?: boolean;
} = {}): Record<string, unknown> {
  checkKeys('gradientFlowToJSON options', options, ['full']);
  const { contributions, ...rest } = report;
  const c = contributions && !options.full ? (({ byLag: _omit, ...kept }) => kept)(contributions) : contributions;
  return plain({ ...rest, contributions: c }) as Record<string, unknown>;
}
