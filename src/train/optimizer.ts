import { checkKeys, checkNumber, checkOneOf, fail } from '../errors.js';
import type { Network } from '../model/network.js';

/** Plain stochastic gradient descent: θ ← θ − lr·(g + λθ). */
export interface SgdSpec {
  /** Selects plain stochastic gradient descent. */
  type: 'sgd';
  /** The step size lr ≥ 0 (no default for SGD: the scale depends on the problem). */
  learningRate: number;
  /** L2 weight decay λ ≥ 0, added to the weight matrices' gradients as λθ (not to biases or initial states). Default 0. */
  weightDecay?: number;
}

/** Heavy-ball momentum, or Nesterov's: v ← μv + g, θ ← θ − lr·v. */
export interface MomentumSpec {
  /** Selects SGD with momentum. */
  type: 'momentum';
  /** The step size lr ≥ 0 (no default: the scale depends on the problem). */
  learningRate: number;
  /** The momentum μ, in [0, 1]. Default 0.9. */
  momentum?: number;
  /** Nesterov's momentum (as PyTorch's): θ ← θ − lr·(g + μv). Default false. */
  nesterov?: boolean;
  /** L2 weight decay λ ≥ 0, added to the weight matrices' gradients as λθ (not to biases or initial states). Default 0. */
  weightDecay?: number;
}

/** Adam (Kingma & Ba) with bias correction. */
export interface AdamSpec {
  /** Selects the Adam optimizer. */
  type: 'adam';
  /** The step size lr ≥ 0. Default 0.001. */
  learningRate?: number;
  /** Decay rate β1 of the first moment, in [0, 0.999999]. Default 0.9. */
  beta1?: number;
  /** Decay rate β2 of the second moment, in [0, 0.999999999]. Default 0.999. */
  beta2?: number;
  /** ε ≥ 0 added to √v̂ in the denominator. Default 1e-8. */
  epsilon?: number;
  /** L2 weight decay λ ≥ 0, added to the weight matrices' gradients as λθ (not to biases or initial states). Default 0. */
  weightDecay?: number;
}

/** Which optimizer, with its settings: train()'s `optimizer`, createOptimizer's spec. */
export type OptimizerSpec = SgdSpec | MomentumSpec | AdamSpec;

/**
 * Applies one update to a network's whole parameter block, in place, using the
 * gradients in its gradient block and its optimizer-state regions. Weight
 * decay (L2) applies to the weight matrices only, never to biases or h0.
 */
export interface Optimizer {
  /** The settings, every default filled in. */
  readonly spec: Required<SgdSpec> | Required<MomentumSpec> | Required<AdamSpec>;
  /** The step size of the next update: the spec's, unless a schedule changed it. */
  learningRate: number;
  /** Updates taken since the last reset (Adam's bias correction counts them). */
  steps: number;
  /** Zeroes the optimizer state (velocity, moments) and the step count. */
  reset(network: Network<unknown>): void;
  /** One update of the model's parameters from the gradients it holds (after computeGradients). */
  step(network: Network<unknown>): void;
}

const KEYS = {
  sgd: ['type', 'learningRate', 'weightDecay'],
  momentum: ['type', 'learningRate', 'momentum', 'nesterov', 'weightDecay'],
  adam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
} as const;

/**
 * An optimizer of this spec, for updates of your own: after computeGradients,
 * `step(model)` takes one update from the gradients the model holds.
 */
export function createOptimizer(spec: OptimizerSpec): Optimizer;
/**
 * @internal `state` places the optimizer's moments elsewhere than the model's own
 * regions: an OnlineLearner keeps its own (pinned), so that train() or
 * another learner on the same model does not reset or mix them.
 */
export function createOptimizer(spec: OptimizerSpec, state: { readonly moment1: number; readonly moment2: number }): Optimizer;
export function createOptimizer(spec: OptimizerSpec, state?: { readonly moment1: number; readonly moment2: number }): Optimizer {
  if (spec === null || typeof spec !== 'object') fail('optimizer', "an object like { type: 'adam', learningRate: 0.001 }", spec);
  const type = checkOneOf('optimizer.type', spec.type, ['sgd', 'momentum', 'adam']);
  checkKeys(`optimizer (${type})`, spec, KEYS[type]);
  const weightDecay = checkNumber('optimizer.weightDecay', spec.weightDecay ?? 0, 0);
  let stepCount = 0;
  const moments = (net: Network<unknown>) => state ?? net.block;
  const reset = (net: Network<unknown>) => {
    const k = net.backend.kernels, n = net.parameterCount, m = moments(net);
    k.fill(net.workspace.mem, m.moment1, n, 0);
    k.fill(net.workspace.mem, m.moment2, n, 0);
    stepCount = 0;
  };
  const optimizer = <S extends Optimizer['spec']>(resolved: S, update: (net: Network<unknown>) => void): Optimizer => ({
    spec: resolved, reset,
    step(net) { stepCount++; update(net); },
    get learningRate() { return resolved.learningRate; },
    set learningRate(rate) { resolved.learningRate = checkNumber('learningRate', rate, 0); },
    get steps() { return stepCount; },
    set steps(n) { stepCount = n; },
  });
  // Two ranges: [0, decayCount) are weights (decayed), the rest biases and h0.
  const ranges = (net: Network<unknown>) => [
    { start: 0, size: net.layout.decayCount, decay: weightDecay },
    { start: net.layout.decayCount, size: net.parameterCount - net.layout.decayCount, decay: 0 },
  ];

  if (type === 'sgd') {
    const s = spec as SgdSpec;
    const resolved = { type, learningRate: checkNumber('optimizer.learningRate', s.learningRate, 0), weightDecay };
    return optimizer(resolved, (net) => {
      const k = net.backend.kernels, mem = net.workspace.mem, b = net.block;
      for (const r of ranges(net)) k.sgdUpdate(mem, b.params + r.start, b.grads + r.start, r.size, resolved.learningRate, r.decay);
    });
  }
  if (type === 'momentum') {
    const s = spec as MomentumSpec;
    const resolved = {
      type, weightDecay,
      learningRate: checkNumber('optimizer.learningRate', s.learningRate, 0),
      momentum: checkNumber('optimizer.momentum', s.momentum ?? 0.9, 0, 1),
      nesterov: s.nesterov ?? false,
    };
    if (typeof resolved.nesterov !== 'boolean') fail('optimizer.nesterov', 'a boolean', resolved.nesterov);
    return optimizer(resolved, (net) => {
      const k = net.backend.kernels, mem = net.workspace.mem, b = net.block, m = moments(net);
      for (const r of ranges(net)) {
        k.momentumUpdate(mem, b.params + r.start, b.grads + r.start, m.moment1 + r.start, r.size,
          resolved.learningRate, resolved.momentum, resolved.nesterov ? 1 : 0, r.decay);
      }
    });
  }
  const s = spec as AdamSpec;
  const resolved = {
    type, weightDecay,
    learningRate: checkNumber('optimizer.learningRate', s.learningRate ?? 1e-3, 0),
    beta1: checkNumber('optimizer.beta1', s.beta1 ?? 0.9, 0, 0.999999),
    beta2: checkNumber('optimizer.beta2', s.beta2 ?? 0.999, 0, 0.999999999),
    epsilon: checkNumber('optimizer.epsilon', s.epsilon ?? 1e-8, 0),
  };
  return optimizer(resolved, (net) => {
    const k = net.backend.kernels, mem = net.workspace.mem, b = net.block, m = moments(net);
    for (const r of ranges(net)) {
      k.adamUpdate(mem, b.params + r.start, b.grads + r.start, m.moment1 + r.start, m.moment2 + r.start, r.size,
        resolved.learningRate, resolved.beta1, resolved.beta2, resolved.epsilon, stepCount, r.decay);
    }
  });
}
