import { checkNumber } from '../errors.js';
import type { Network } from '../model/network.js';

export interface ClipOptions {
  /** Rescale all gradients together so their global L2 norm is at most this (Pascanu et al. 2013). */
  clipNorm?: number;
  /** Clamp every gradient entry to [−clipValue, clipValue]. */
  clipValue?: number;
}

/** The global L2 norm of a network's gradients (non-finite if any gradient is). */
export function gradientNorm(net: Network<unknown>): number {
  return Math.sqrt(net.backend.kernels.sumSquares(net.workspace.mem, net.block.grads, net.parameterCount));
}

/** Clips in place; `norm` is the gradient norm before clipping. */
export function clipGradients(net: Network<unknown>, norm: number, clip: ClipOptions): void {
  const k = net.backend.kernels, mem = net.workspace.mem, g = net.block.grads, n = net.parameterCount;
  if (clip.clipValue !== undefined) k.clampInPlace(mem, g, n, clip.clipValue);
  if (clip.clipNorm !== undefined && norm > clip.clipNorm) k.scaleInPlace(mem, g, n, clip.clipNorm / norm);
}

/** clipNorm and clipValue as train() and the OnlineLearner take them: numbers ≥ 0, where 0 (as in the CLI) means off. */
export function resolveClip(options: ClipOptions): ClipOptions {
  const clip: ClipOptions = {};
  for (const name of ['clipNorm', 'clipValue'] as const) {
    if (options[name] !== undefined && checkNumber(name, options[name], 0) > 0) clip[name] = options[name];
  }
  return clip;
}
