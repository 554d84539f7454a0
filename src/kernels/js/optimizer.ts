import type { Mem } from './types.js';

/*
 * Parameter updates over one contiguous block of n parameters with gradients g.
 * weightDecay adds λ·θ to the gradient (L2 regularisation, ½λ‖θ‖²).
 */

/** θ ← θ − lr·(g + λθ)   (note 003 eqs. 17–21) */
export function sgdUpdate(mem: Mem, param: number, grad: number, n: number, lr: number, weightDecay: number): void {
  for (let i = 0; i < n; i++) {
    const p = mem[param + i];
    mem[param + i] = p - lr * (mem[grad + i] + weightDecay * p);
  }
}

/**
 * Heavy-ball momentum: v ← μv + g; θ ← θ − lr·v.
 * Nesterov (as in PyTorch/Sutskever et al.): θ ← θ − lr·(g + μv).
 */
export function momentumUpdate(
  mem: Mem, param: number, grad: number, velocity: number, n: number,
  lr: number, momentum: number, nesterov: number, weightDecay: number,
): void {
  for (let i = 0; i < n; i++) {
    const p = mem[param + i];
    const g = mem[grad + i] + weightDecay * p;
    const v = momentum * mem[velocity + i] + g;
    mem[velocity + i] = v;
    mem[param + i] = p - lr * (nesterov ? g + momentum * v : v);
  }
}

/**
 * Adam (Kingma & Ba; note 003 §3.3) with bias correction for step t ≥ 1:
 * m ← β1·m + (1−β1)g,  v ← β2·v + (1−β2)g²,  θ ← θ − lr·m̂/(√v̂ + ε).
 */
export function adamUpdate(
  mem: Mem, param: number, grad: number, m: number, v: number, n: number,
  lr: number, beta1: number, beta2: number, epsilon: number, step: number, weightDecay: number,
): void {
  const correction1 = 1 - Math.pow(beta1, step);
  const correction2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < n; i++) {
    const p = mem[param + i];
    const g = mem[grad + i] + weightDecay * p;
    const mi = beta1 * mem[m + i] + (1 - beta1) * g;
    const vi = beta2 * mem[v + i] + (1 - beta2) * g * g;
    mem[m + i] = mi;
    mem[v + i] = vi;
    mem[param + i] = p - (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
  }
}
