import { at, get, put } from './memory';

/** θ ← θ − lr·(g + λθ) */
export function sgdUpdate(param: usize, grad: usize, n: i32, lr: f32, weightDecay: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lrv = f32x4.splat(lr), wd = f32x4.splat(weightDecay);
    let pp = param, gp = grad;
    for (const end = at(param, n & ~7); pp < end; pp += 32, gp += 32) {
      const p = v128.load(pp), p2 = v128.load(pp, 16);
      const g = f32x4.add(v128.load(gp), f32x4.mul(wd, p)), g2 = f32x4.add(v128.load(gp, 16), f32x4.mul(wd, p2));
      v128.store(pp, f32x4.sub(p, f32x4.mul(lrv, g)));
      v128.store(pp, f32x4.sub(p2, f32x4.mul(lrv, g2)), 16);
    }
    i = n & ~7;
  }
  for (; i < n; i++) {
    const p = get(param, i);
    put(param, i, p - lr * (get(grad, i) + weightDecay * p));
  }
}

/** v ← μv + g; θ ← θ − lr·v (Nesterov: θ ← θ − lr·(g + μv)). */
export function momentumUpdate(
  param: usize, grad: usize, velocity: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, weightDecay: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const lrv = f32x4.splat(lr), mu = f32x4.splat(momentum), wd = f32x4.splat(weightDecay);
    let pp = param, gp = grad, vp = velocity;
    for (const end = at(param, n & ~7); pp < end; pp += 32, gp += 32, vp += 32) {
      const p = v128.load(pp), p2 = v128.load(pp, 16);
      const g = f32x4.add(v128.load(gp), f32x4.mul(wd, p)), g2 = f32x4.add(v128.load(gp, 16), f32x4.mul(wd, p2));
      const v = f32x4.add(f32x4.mul(mu, v128.load(vp)), g), v2 = f32x4.add(f32x4.mul(mu, v128.load(vp, 16)), g2);
      v128.store(vp, v);
      v128.store(vp, v2, 16);
      const step = nesterov ? f32x4.add(g, f32x4.mul(mu, v)) : v, step2 = nesterov ? f32x4.add(g2, f32x4.mul(mu, v2)) : v2;
      v128.store(pp, f32x4.sub(p, f32x4.mul(lrv, step)));
      v128.store(pp, f32x4.sub(p2, f32x4.mul(lrv, step2)), 16);
    }
    i = n & ~7;
  }
  for (; i < n; i++) {
    const p = get(param, i);
    const g = get(grad, i) + weightDecay * p;
    const v = momentum * get(velocity, i) + g;
    put(velocity, i, v);
    put(param, i, p - lr * (nesterov ? g + momentum * v : v));
  }
}

/** Adam with bias correction for step t ≥ 1. */
export function adamUpdate(
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, step: i32, weightDecay: f32,
): void {
  // f32 pow: the f64 one would bring its lookup tables into the module (see loss.ts).
  const correction1: f32 = 1 - Mathf.pow(beta1, <f32>step);
  const correction2: f32 = 1 - Mathf.pow(beta2, <f32>step);
  const c1: f32 = <f32>1 / correction1, c2: f32 = <f32>1 / correction2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
    const lrv = f32x4.splat(lr), eps = f32x4.splat(epsilon), wd = f32x4.splat(weightDecay);
    const c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
    for (; i + 4 <= n; i += 4) {
      const p = v128.load(at(param, i));
      const g = f32x4.add(v128.load(at(grad, i)), f32x4.mul(wd, p));
      const mi = f32x4.add(f32x4.mul(b1, v128.load(at(m, i))), f32x4.mul(ob1, g));
      const vi = f32x4.add(f32x4.mul(b2, v128.load(at(v, i))), f32x4.mul(ob2, f32x4.mul(g, g)));
      v128.store(at(m, i), mi);
      v128.store(at(v, i), vi);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, c2v)), eps);
      v128.store(at(param, i), f32x4.sub(p, f32x4.div(f32x4.mul(lrv, f32x4.mul(mi, c1v)), denom)));
    }
  }
  for (; i < n; i++) {
    const p = get(param, i);
    const g = get(grad, i) + weightDecay * p;
    const mi = beta1 * get(m, i) + (1 - beta1) * g;
    const vi = beta2 * get(v, i) + (1 - beta2) * g * g;
    put(m, i, mi);
    put(v, i, vi);
    put(param, i, p - (lr * (mi * c1)) / (Mathf.sqrt(vi * c2) + epsilon));
  }
}
