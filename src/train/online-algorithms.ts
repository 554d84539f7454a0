import { IMPLEMENTATION } from './online-gradient.js';

/*
 * The public types of the online gradient algorithms, in the rnnkit entry:
 * train() and computeGradients() take them as `algorithm`, and the factories
 * that make them (rtrl(), snap(), uoro()) are in rnnkit/online, a bundle of
 * its own whose type declarations import these, so that both entries name
 * one type (their implementation key included).
 */

/** The options of rtrl(). */
export interface RtrlOptions {
  /**
   * Ceiling on the sensitivities' memory, in bytes (≥ 1): a model and batch
   * that need more are refused before anything is allocated, with what they
   * would need (rtrlBytes). Default 268435456 (256 MiB).
   */
  maxBytes?: number;
}

/** Exact real-time recurrent learning, as rtrl() returns it: what train(), computeGradients() and an OnlineLearner take as `algorithm`. */
export interface RtrlAlgorithm {
  /** Real-time recurrent learning (Williams & Zipser): exact forward-mode sensitivities. */
  readonly type: 'rtrl';
  /** Ceiling on the sensitivities' memory, in bytes. */
  readonly maxBytes: number;
  /** RTRL's code, which train() runs: the reason an RtrlAlgorithm comes from rtrl() and is not written by hand. */
  readonly [IMPLEMENTATION]: object;
}

/** The options of snap(). */
export interface SnapOptions {
  /**
   * The n of SnAp-n: how many steps of influence each parameter's trace
   * follows. Only 1 is implemented (each parameter's influence on the unit
   * it feeds directly). Default 1.
   */
  n?: 1;
  /**
   * Ceiling on the traces' memory, in bytes (≥ 1): a model and batch that
   * need more are refused before anything is allocated, with what they would
   * need (snapBytes). Default 268435456 (256 MiB).
   */
  maxBytes?: number;
}

/** SnAp-1, as snap() returns it: what train(), computeGradients() and an OnlineLearner take as `algorithm`. */
export interface SnapAlgorithm {
  /** SnAp (Menick et al. 2021): RTRL's sensitivities kept only where a parameter feeds its own unit. */
  readonly type: 'snap';
  /** The n of SnAp-n, how far each parameter's trace reaches: always 1 (the unit it feeds). */
  readonly n: 1;
  /** Ceiling on the traces' memory, in bytes. */
  readonly maxBytes: number;
  /** SnAp-1's code, which train() runs: the reason a SnapAlgorithm comes from snap() and is not written by hand. */
  readonly [IMPLEMENTATION]: object;
}

/** The options of uoro(). */
export interface UoroOptions {
  /**
   * Seeds the random signs ν: an integer in [0, 2³² − 1]. The same seed, the
   * same signs, so the same run (they are a hash of the seed, a counter of
   * batches, the step, the sequence's index and the unit, not of the thread
   * count). Default: the seed the model was made with.
   */
  seed?: number;
}

/** UORO as uoro() returns it: what train(), computeGradients() and an OnlineLearner take as `algorithm`. */
export interface UoroAlgorithm {
  /** Unbiased Online Recurrent Optimization (Tallec & Ollivier): a rank-one, unbiased, noisy estimate of RTRL's gradient. */
  readonly type: 'uoro';
  /** Seeds the random signs. Default (undefined): the seed the model was made with. */
  readonly seed?: number;
  /** UORO's code, which train() runs: the reason a UoroAlgorithm comes from uoro() and is not written by hand. */
  readonly [IMPLEMENTATION]: object;
}
