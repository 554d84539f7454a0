import { isArrayLike } from '../data/arrays.js';
import { checkFinite, checkInteger, checkKeys, fail } from '../errors.js';
import type { Floats } from './network.js';
import { checkRecurrentModel, type RecurrentModel } from './recurrent/model.js';
import { initialStateVector, stepForward } from './recurrent/stepping.js';

/**
 * Step-by-step inference: feed one x_t, get y_t, the state (h, and c for
 * LSTM, of every layer) carried between calls. For B independent streams at
 * once (default 1). Dropout is off.
 */
export class RnnStepper {
  /** B: the independent streams stepped together. */
  readonly streams: number;
  private readonly hidden: Floats;
  private readonly output: Floats;

  constructor(
    /** The model stepped (its current weights are used at each step). */
    readonly model: RecurrentModel,
    options: {
      /** B: independent streams stepped together, an integer ≥ 1; x and y are then [streams][·]. Default 1. */
      streams?: number;
    } = {},
  ) {
    checkRecurrentModel('model', model);
    checkKeys('stepper options', options, ['streams']);
    this.streams = checkInteger('streams', options.streams ?? 1, 1);
    const make = (n: number) => (model.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
    this.hidden = make(this.streams * model.stateSize);
    this.output = make(this.streams * model.outputSize);
    this.reset();
  }

  /** Feeds x_t ([streams][p]); returns y_t ([streams][o], a view valid until the next call). */
  step(x: ArrayLike<number>): Floats {
    stepForward(this.model, x, this.hidden, this.output);
    return this.output;
  }

  /** Back to the initial state: the given one ([streams][stateSize]) or the model's own (h0, c0 or zeros). */
  reset(state?: ArrayLike<number>): void {
    const r = this.model.stateSize;
    if (state !== undefined) {
      if (!isArrayLike(state) || state.length !== this.streams * r) fail('state', `streams·stateSize = ${this.streams}·${r} numbers`, state);
      checkFinite('state', state, this.model.dtype);
      this.hidden.set(state);
      return;
    }
    const h0 = initialStateVector(this.model);
    for (let b = 0; b < this.streams; b++) this.hidden.set(h0, b * r);
  }

  /** A copy of the current state, [streams][stateSize]: h of every layer, then c of every layer (LSTM). */
  get state(): Floats {
    return this.hidden.slice();
  }
}
