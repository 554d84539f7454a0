import { at, get, put, IDENTITY, RELU, SIGMOID, SOFTMAX, TANH } from './memory';

// Activations σ and F (note 001 eqs. 1.9–1.11, softmax note 002 §1.1.3).
//
// The scalar build (ASC_FEATURE_SIMD false) keeps the reference loops over
// Mathf. The SIMD build evaluates four lanes at once; f32x4 has no exp, so:
//
//   exp(x): clamp x to [EXP_LO, EXP_HI]; x = n·ln2 + r, n = round(x·log2e)
//     (rounded by adding 1.5·2^23), r = (x − n·LN2_HI) − n·LN2_LO (Cody–Waite:
//     LN2_HI has 15 significant bits, so n·LN2_HI is exact for |n| ≤ 2^9), so
//     |r| ≲ ln2/2; e^r ≈ 1 + r + r²·Q(r), Q of degree 4 the minimax fit of
//     relative error 3.1e-9 on |r| ≤ ln2/2 (Remez exchange, computed for this
//     file); 2^n = (bits of the rounded sum << 23) + bits of 1.0. Below EXP_LO
//     (= −126·ln2, where e^x leaves the normal floats) the result is 0; above
//     EXP_HI it stays e^EXP_HI ≈ 2.4e38: never Inf, NaN only from NaN.
//   sigmoid(x) = 1/(1 + t) for x ≥ 0, t/(1 + t) for x < 0, with t = e^−|x| ≤ 1
//     (the JS twin's sign split: nothing can overflow; one division).
//   tanh(x) = sign(x)·T(|x|): for a = |x| < 0.625, T(a) = a + a³·P(a²), P of
//     degree 4 the minimax fit of relative error 4.4e-9 (keeps the relative
//     accuracy near 0, where the exp form cancels); else T(a) = (1 − t)/(1 + t)
//     with t = e^−2a: exactly 1 for a ≥ 8.67 (t ≤ 2^−25), 1e30 and Inf.
// The polynomials are evaluated by Estrin's scheme: the loops are bound by the
// latency of one lane's chain of operations, not by the number of them.
//
// Worst errors against float64 Math, measured by bench/activation-accuracy.mjs
// on every 61st float32 in [−20, 20] (subnormals and ±0 included), every
// float32 in ±[0.6, 0.65] (tanh's switch) and ±86.6, ±88, ±88.7, ±1e30, ±3.4e38;
// relative error and ulps where the exact result is ≥ 2^−126:
//              absolute   relative   float32 ulps   (bound the bench enforces: rel, abs)
//   exp(x ≤ 0) 4.8e-8     7.9e-8     0.97           1e-7, 6e-8  (the kernels need x ≤ 0 only)
//   sigmoid    8.9e-8     1.8e-7     2.33           2e-7, 1e-7
//   tanh       9.0e-8     1.5e-7     1.51           2e-7, 1e-7
// Where the exact exp or sigmoid is below 2^−126 the result is 0 (absolute
// error < 1.2e-38); tanh of a subnormal is itself. NaN gives NaN (relu: 0, as
// in the twin). A value's result does not depend on where it sits: the n mod 4
// tail goes through the same lanes as the body.

/** out = σ(in) elementwise; softmax row by row, shifted by the row maximum. */
export function activationForward(input: usize, output: usize, rows: i32, cols: i32, act: i32): void {
  const n = rows * cols;
  if (act == IDENTITY) {
    if (input != output) memory.copy(output, input, <usize>n << 2);
  } else if (act == SOFTMAX) {
    for (let r = 0; r < rows; r++) {
      if (ASC_FEATURE_SIMD) softmaxRow4(at(input, r * cols), at(output, r * cols), cols);
      else softmaxRow(at(input, r * cols), at(output, r * cols), cols);
    }
  } else if (ASC_FEATURE_SIMD) {
    forward4(input, output, n, act);
  } else if (act == SIGMOID) {
    for (let i = 0; i < n; i++) put(output, i, sigmoid(get(input, i)));
  } else if (act == TANH) {
    for (let i = 0; i < n; i++) put(output, i, Mathf.tanh(get(input, i)));
  } else if (act == RELU) {
    for (let i = 0; i < n; i++) { const z = get(input, i); put(output, i, z > 0 ? z : 0); }
  }
}

/** grad ∘= σ'(a), from the kept activation y = σ(a). */
export function activationBackward(activation: usize, grad: usize, n: i32, act: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    if (act == SIGMOID) {
      for (; i + 4 <= n; i += 4) {
        const y = v128.load(at(activation, i));
        v128.store(at(grad, i), f32x4.mul(v128.load(at(grad, i)), f32x4.mul(y, f32x4.sub(one, y))));
      }
    } else if (act == TANH) {
      for (; i + 4 <= n; i += 4) {
        const y = v128.load(at(activation, i));
        v128.store(at(grad, i), f32x4.mul(v128.load(at(grad, i)), f32x4.sub(one, f32x4.mul(y, y))));
      }
    } else if (act == RELU) {
      for (; i + 4 <= n; i += 4) {
        v128.store(at(grad, i), v128.and(v128.load(at(grad, i)), f32x4.gt(v128.load(at(activation, i)), f32x4.splat(0))));
      }
    }
  }
  // The scalar reference, and the last n mod 4 elements of the SIMD build (same arithmetic).
  if (act == SIGMOID) {
    for (; i < n; i++) { const y = get(activation, i); put(grad, i, get(grad, i) * (y * (1 - y))); }
  } else if (act == TANH) {
    for (; i < n; i++) { const y = get(activation, i); put(grad, i, get(grad, i) * (1 - y * y)); }
  } else if (act == RELU) {
    for (; i < n; i++) if (!(get(activation, i) > 0)) put(grad, i, 0);
  }
}

/** σ'(a) from y = σ(a), for RTRL's row scaling. */
// @ts-ignore: decorator
@inline export function derivative(y: f32, act: i32): f32 {
  if (act == SIGMOID) return y * (1 - y);
  if (act == TANH) return 1 - y * y;
  if (act == RELU) return y > 0 ? 1 : 0;
  return 1;
}

// ---- scalar reference ----

// @ts-ignore: decorator
@inline export function sigmoid(z: f32): f32 {
  if (z >= 0) return 1 / (1 + Mathf.exp(-z));
  const e = Mathf.exp(z);
  return e / (1 + e);
}

export function softmaxRow(z: usize, y: usize, cols: i32): void {
  let max = -Infinity as f32;
  for (let j = 0; j < cols; j++) max = Mathf.max(max, get(z, j));
  let sum: f32 = 0;
  for (let j = 0; j < cols; j++) { const e = Mathf.exp(get(z, j) - max); put(y, j, e); sum += e; }
  const inv: f32 = <f32>1 / sum;
  for (let j = 0; j < cols; j++) put(y, j, get(y, j) * inv);
}

// ---- f32x4 versions ----

// Every constant of exp4/sigmoid4/tanh4, by index into TABLE. They are loaded
// (one splatting load each) rather than written as v128.const, which V8 11
// rebuilds with three instructions in every iteration of a loop: that alone
// made tanh take 3.9 instead of 2.8 ns per element.
const EXP_HI = 0, EXP_LO = 1, LOG2E = 2, ROUND = 3, LN2_HI = 4, LN2_LO = 5;
const Q0 = 6, Q1 = 7, Q2 = 8, Q3 = 9, Q4 = 10;
const TANH_SMALL = 11, P0 = 12, P1 = 13, P2 = 14, P3 = 15, P4 = 16;
const ONE = 17, MINUS_TWO = 18, SIGN = 19;
const TABLE = memory.data<f32>([
  88.376259, // EXP_HI: the largest float32 whose n is 127, so e^EXP_HI < FLT_MAX
  -87.33654, // EXP_LO: the smallest float32 ≥ −126·ln2, so e^EXP_LO ≥ 2^−126
  1.44269502, // LOG2E
  12582912, // ROUND = 1.5·2^23: adding it rounds to an integer kept in the low mantissa bits
  0.693145751953125, // LN2_HI = 0x3f317200, 15 significant bits
  1.42860677e-6, // LN2_LO = ln2 − LN2_HI
  // e^r ≈ 1 + r + r²·(Q0 + r·(Q1 + r·(Q2 + r·(Q3 + r·Q4)))) on |r| ≤ ln2/2
  0.499999934517, 0.166665206898, 0.0416683873629, 0.0083687098232, 0.00138146131803,
  // tanh a ≈ a + a³·(P0 + z·(P1 + z·(P2 + z·(P3 + z·P4)))), z = a², on 0 ≤ a < TANH_SMALL
  0.625, -0.33333281942, 0.133314421985, -0.0537397151158, 0.020639087354, -0.00570498712588,
  1, -2, -0.0, // ONE (also the bits 0x3f800000 of 2^0), MINUS_TWO, SIGN (the bit 0x80000000)
]);

// @ts-ignore: decorator
@inline function c4(index: i32): v128 {
  return v128.load32_splat(TABLE + (<usize>index << 2));
}

/** e^x in each lane (see the top of the file). */
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  // pmin/pmax with x first keep a NaN lane NaN; −Inf clamps to EXP_LO and is zeroed below.
  const xc = f32x4.pmax(f32x4.pmin(x, c4(EXP_HI)), c4(EXP_LO));
  const t = f32x4.add(f32x4.mul(xc, c4(LOG2E)), c4(ROUND));
  const n = f32x4.sub(t, c4(ROUND));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, c4(LN2_HI))), f32x4.mul(n, c4(LN2_LO)));
  // Estrin's scheme: a shorter dependency chain than Horner's, the loop is latency-bound.
  const r2 = f32x4.mul(r, r);
  const q01 = f32x4.add(f32x4.mul(c4(Q1), r), c4(Q0)), q23 = f32x4.add(f32x4.mul(c4(Q3), r), c4(Q2));
  const q = f32x4.add(q01, f32x4.mul(r2, f32x4.add(q23, f32x4.mul(r2, c4(Q4)))));
  const er = f32x4.add(f32x4.add(f32x4.mul(r2, q), r), c4(ONE));
  // t's low bits hold n (two's complement): shifted into the exponent field, plus 1.0's bits, give 2^n.
  const scale = i32x4.add(i32x4.shl(t, 23), c4(ONE));
  return v128.andnot(f32x4.mul(er, scale), f32x4.lt(x, c4(EXP_LO)));
}

// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  const t = exp4(v128.or(x, c4(SIGN))); // e^−|x|
  const numerator = v128.bitselect(c4(ONE), t, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.div(numerator, f32x4.add(c4(ONE), t));
}

// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const a = v128.andnot(x, c4(SIGN));
  const t = exp4(f32x4.mul(a, c4(MINUS_TWO)));
  const large = f32x4.div(f32x4.sub(c4(ONE), t), f32x4.add(c4(ONE), t));
  const z = f32x4.mul(a, a);
  const z2 = f32x4.mul(z, z);
  const p01 = f32x4.add(f32x4.mul(c4(P1), z), c4(P0)), p23 = f32x4.add(f32x4.mul(c4(P3), z), c4(P2));
  const p = f32x4.add(p01, f32x4.mul(z2, f32x4.add(p23, f32x4.mul(z2, c4(P4)))));
  const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, z), p));
  const magnitude = v128.bitselect(small, large, f32x4.lt(a, c4(TANH_SMALL)));
  return v128.or(magnitude, v128.and(x, c4(SIGN))); // magnitude ≥ 0: copy x's sign
}

// @ts-ignore: decorator
@inline function apply4(x: v128, act: i32): v128 {
  if (act == SIGMOID) return sigmoid4(x);
  if (act == TANH) return tanh4(x);
  return f32x4.pmax(f32x4.splat(0), x); // relu: 0 < x ? x : 0, so NaN and −0 give 0 as in the twin
}

/**
 * sigmoid4 and tanh4 as functions, not inlined, for the gated cells' kernels:
 * there each is evaluated at several places and inlining exp4 at every one
 * cost kilobytes of the binary for no measurable speed.
 */
export function sigmoidLanes(x: v128): v128 {
  return sigmoid4(x);
}

export function tanhLanes(x: v128): v128 {
  return tanh4(x);
}

/** loadHead and storeHead as functions (a row's last r mod 4 units, once per row). */
export function loadTail(p: usize, k: i32): v128 {
  return loadHead(p, k);
}

export function storeTail(p: usize, k: i32, v: v128): void {
  storeHead(p, k, v);
}

/** k (1–4) lanes at p: a whole vector, or a row's tail through loadTail. For the gated cells' kernels. */
// @ts-ignore: decorator
@inline export function ld(p: usize, k: i32): v128 {
  return k == 4 ? v128.load(p) : loadTail(p, k);
}

// @ts-ignore: decorator
@inline export function st(p: usize, k: i32, v: v128): void {
  if (k == 4) v128.store(p, v);
  else storeTail(p, k, v);
}

/**
 * The first k (1–3) floats at p in lanes 0…k−1, zeros above. A tail goes
 * through the same lanes as the body, so a value's σ never depends on where
 * it sits.
 */
// @ts-ignore: decorator
@inline export function loadHead(p: usize, k: i32): v128 {
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

// @ts-ignore: decorator
@inline export function storeHead(p: usize, k: i32, v: v128): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (k > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (k > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

function forward4(input: usize, output: usize, n: i32, act: i32): void {
  let i = 0;
  if (act == SIGMOID) {
    for (; i + 4 <= n; i += 4) v128.store(at(output, i), sigmoid4(v128.load(at(input, i))));
  } else if (act == TANH) {
    for (; i + 4 <= n; i += 4) v128.store(at(output, i), tanh4(v128.load(at(input, i))));
  } else if (act == RELU) {
    for (; i + 4 <= n; i += 4) v128.store(at(output, i), f32x4.pmax(f32x4.splat(0), v128.load(at(input, i))));
  } else return;
  if (i < n) storeHead(at(output, i), n - i, apply4(loadHead(at(input, i), n - i), act));
}

function softmaxRow4(z: usize, y: usize, cols: i32): void {
  // max: pmax(m, v) ignores a NaN v, like the twin's `if (z > max)`.
  let m = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= cols; j += 4) m = f32x4.pmax(m, v128.load(at(z, j)));
  let max = f32x4.extract_lane(m, 0);
  if (f32x4.extract_lane(m, 1) > max) max = f32x4.extract_lane(m, 1);
  if (f32x4.extract_lane(m, 2) > max) max = f32x4.extract_lane(m, 2);
  if (f32x4.extract_lane(m, 3) > max) max = f32x4.extract_lane(m, 3);
  for (; j < cols; j++) if (get(z, j) > max) max = get(z, j);

  const shift = f32x4.splat(max);
  let s = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= cols; j += 4) {
    const e = exp4(f32x4.sub(v128.load(at(z, j)), shift));
    v128.store(at(y, j), e);
    s = f32x4.add(s, e);
  }
  if (j < cols) {
    const k = cols - j;
    // Lanes k…3 were padded with 0 and must not count in the sum.
    const valid = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(k));
    const e = v128.and(exp4(f32x4.sub(loadHead(at(z, j), k), shift)), valid);
    storeHead(at(y, j), k, e);
    s = f32x4.add(s, e);
  }
  const sum = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  const inv: f32 = <f32>1 / sum;
  const iv = f32x4.splat(inv);
  j = 0;
  for (; j + 4 <= cols; j += 4) v128.store(at(y, j), f32x4.mul(v128.load(at(y, j)), iv));
  for (; j < cols; j++) put(y, j, get(y, j) * inv);
}
