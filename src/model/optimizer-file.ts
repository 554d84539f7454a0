/**
 * The optimizer state a checkpoint carries (toJSON / toBinary with
 * { optimizer: true }): the optimizer's settings, its step count, the epochs
 * done, and its moments (none for SGD, the velocity for momentum, both
 * moments for Adam), each as many values as the model has parameters.
 *
 *   JSON:   "optimizer": {"spec": {…}, "steps": n, "epochs": e, "moments": [[…], …]}
 *   binary: "optimizer": {"spec": {…}, "steps": n, "epochs": e, "moments": k} in the
 *           header, and k × count values after the parameters.
 */
import type { DType } from '../backend/index.js';
import { checkInteger, checkKeys, checkOneOf, fail, RnnkitError } from '../errors.js';
import type { Floats, Network, OptimizerState } from './network.js';

type OptimizerType = OptimizerState['spec']['type'];

/** Settings each optimizer saves; every one is a number ≥ 0 but nesterov, a boolean. */
const SETTINGS: Record<OptimizerType, readonly string[]> = {
  sgd: ['type', 'learningRate', 'weightDecay'],
  momentum: ['type', 'learningRate', 'momentum', 'nesterov', 'weightDecay'],
  adam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
};
/** Moment vectors each optimizer keeps. */
export const MOMENTS: Record<OptimizerType, number> = { sgd: 0, momentum: 1, adam: 2 };

/** The state to save, checked: a model that was never trained has none. */
export function savedOptimizer(model: Network<unknown>): { state: OptimizerState; moments: Floats[] } {
  const state = model.optimizerState;
  if (!state) throw new RnnkitError('optimizer: this model carries no optimizer state to save (train it first, or save without { optimizer: true })');
  const mem = model.workspace.mem, n = model.parameterCount, b = model.block;
  const moments = [b.moment1, b.moment2].slice(0, MOMENTS[state.spec.type]).map((at, m) => {
    const values = mem.slice(at, at + n);
    for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) fail(`optimizer.moments[${m}][${i}]`, 'a finite number (a diverged run cannot be saved)', values[i]);
    return values;
  });
  return { state, moments };
}

/** Checks a file's optimizer description (not its moments); returns the state and how many moment vectors follow. */
export function readOptimizerState(raw: unknown): { state: OptimizerState; moments: number } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('optimizer', 'an object {spec, steps, epochs, moments}', raw);
  const o = raw as Record<string, unknown>;
  checkKeys('optimizer', o, ['spec', 'steps', 'epochs', 'moments']);
  const spec = o.spec as Record<string, unknown>;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) fail('optimizer.spec', 'an object', spec);
  const type = checkOneOf('optimizer.spec.type', spec.type, ['sgd', 'momentum', 'adam']);
  checkKeys(`optimizer.spec (${type})`, spec, SETTINGS[type]);
  for (const key of SETTINGS[type].slice(1)) {
    const v = spec[key];
    const ok = key === 'nesterov' ? typeof v === 'boolean' : typeof v === 'number' && Number.isFinite(v) && v >= 0;
    if (!ok) fail(`optimizer.spec.${key}`, key === 'nesterov' ? 'a boolean' : 'a finite number ≥ 0', v);
  }
  const steps = checkInteger('optimizer.steps', o.steps, 0);
  const epochs = checkInteger('optimizer.epochs', o.epochs, 0);
  return { state: { spec: spec as OptimizerState['spec'], steps, epochs }, moments: MOMENTS[type] };
}

/** Puts a loaded state and its moments into a freshly built model. */
export function restoreOptimizer(model: Network<unknown>, state: OptimizerState, moments: readonly Floats[]): void {
  const mem = model.workspace.mem, b = model.block;
  moments.forEach((values, m) => mem.set(values, m === 0 ? b.moment1 : b.moment2));
  model.optimizerState = state;
}

/** A moment vector read from a JSON array, finite in the dtype it will be stored in. */
export function jsonMoment(raw: unknown, m: number, count: number, dtype: DType): Floats {
  if (!Array.isArray(raw) || raw.length !== count) fail(`optimizer.moments[${m}]`, `${count} numbers (one per parameter)`, raw);
  const out = dtype === 'float64' ? new Float64Array(count) : new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const v: unknown = raw[i];
    if (typeof v !== 'number') fail(`optimizer.moments[${m}][${i}]`, 'a number', v);
    out[i] = v;
    if (!Number.isFinite(out[i])) fail(`optimizer.moments[${m}][${i}]`, `a finite number in ${dtype}`, v);
  }
  return out;
}
