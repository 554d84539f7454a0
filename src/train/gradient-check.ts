import { checkKeys, checkNumber, fail } from '../errors.js';
import { range, type Network } from '../model/network.js';
import { computeGradients, type GradientSpec } from './gradient-algorithm.js';

/** The options of gradientCheck(). */
export interface GradientCheckOptions {
  /** Finite-difference step h, in [1e-12, 1]. Default 1e-4. */
  epsilon?: number;
  /**
   * Denominator floor of the relative error |a − n| / max(|a|, |n|, floor), ≥ 0:
   * entries smaller than this are compared absolutely (to floor × error). Default 1e-4.
   */
  floor?: number;
  /**
   * Check about this many entries per parameter, a number ≥ 1: every ⌊size / maxPerParameter⌋-th
   * entry, spread evenly. Default: every entry.
   */
  maxPerParameter?: number;
  /** The algorithm whose analytic gradient is checked (RNNs): 'bptt', truncated BPTT or rtrl(). Default 'bptt'. */
  algorithm?: GradientSpec;
}

/** One parameter's check: its worst entry. */
export interface ParameterCheck {
  /** Worst relative error over the checked entries. */
  relativeError: number;
  /** Index of that entry in the row-major parameter. */
  index: number;
  /** The analytic gradient at that entry. */
  analytic: number;
  /** The finite-difference gradient at that entry. */
  numeric: number;
  /** How many entries of the parameter were checked. */
  checked: number;
}

/** What gradientCheck() returns. */
export interface GradientCheckResult {
  /** Loss at the unperturbed parameters (float64). */
  loss: number;
  /** Each parameter's check, by parameter name. */
  parameters: Record<string, ParameterCheck>;
  /** Worst relative error over all parameters. */
  maxRelativeError: number;
}

/**
 * Compares the analytic gradient with central finite differences, both in
 * float64 on a copy of the model (the model itself is untouched). Uses the
 * five-point stencil (8[L(θ+h) − L(θ−h)] − [L(θ+2h) − L(θ−2h)]) / 12h, whose
 * truncation error is O(h⁴), so float64 round-off dominates (~1e-12·|L|).
 */
export function gradientCheck<Data>(model: Network<Data>, data: Data, options: GradientCheckOptions = {}): GradientCheckResult {
  checkKeys('gradientCheck options', options, ['epsilon', 'floor', 'maxPerParameter', 'algorithm']);
  const h = checkNumber('epsilon', options.epsilon ?? 1e-4, 1e-12, 1);
  const floor = checkNumber('floor', options.floor ?? 1e-4, 0);
  const maxPer = options.maxPerParameter ?? Infinity;
  if (!(maxPer >= 1)) fail('maxPerParameter', 'a number ≥ 1', maxPer);

  const probe = model.clone({ dtype: 'float64', backend: 'js' });
  const { loss, gradients: analytic } = computeGradients(probe, data, options.algorithm === undefined ? {} : { algorithm: options.algorithm });
  const all = range(probe.exampleCount(data));

  const result: Record<string, ParameterCheck> = {};
  let maxRelativeError = 0;
  for (const p of probe.layout.parameters) {
    const values = probe.getParameter(p.name);
    const stride = Math.max(1, Math.floor(p.size / maxPer));
    const worst: ParameterCheck = { relativeError: 0, index: -1, analytic: 0, numeric: 0, checked: 0 };
    const lossAt = (i: number, delta: number) => {
      values[i] = values[i]! + delta;
      probe.setParameter(p.name, values);
      probe.loadExamples(data, all);
      const l = probe.loss(true); // with the analytic pass's dropout masks held fixed
      values[i] = values[i]! - delta;
      return l;
    };
    for (let i = 0; i < p.size; i += stride) {
      const original = values[i]!;
      const numeric = (8 * (lossAt(i, h) - lossAt(i, -h)) - (lossAt(i, 2 * h) - lossAt(i, -2 * h))) / (12 * h);
      values[i] = original;
      const a = analytic[p.name]![i]!;
      const rel = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), floor);
      worst.checked++;
      if (rel > worst.relativeError || worst.index < 0) Object.assign(worst, { relativeError: rel, index: i, analytic: a, numeric });
    }
    probe.setParameter(p.name, values);
    result[p.name] = worst;
    maxRelativeError = Math.max(maxRelativeError, worst.relativeError);
  }
  return { loss, parameters: result, maxRelativeError };
}
