import { checkFinite, fail } from '../../errors.js';
import type { Floats } from '../network.js';
import { CELLS } from './cells.js';
import type { SequenceFrame } from './frame.js';
import type { RecurrentModel } from './model.js';

/*
 * Carrying a recurrent model's state one step at a time (RnnStepper, the
 * OnlineLearner). Apart from the model, so that an app that only trains
 * does not bundle it. A state vector is [stateSize]: h of every layer, then
 * c of every layer (LSTM), as batch.initialState and finalStates hold it.
 */

/**
 * One step for B independent streams: reads x_t [B][p] and the state
 * [B][stateSize], writes the new state back into `state` and y_t [B][o]
 * into `outputs`.
 */
export function stepForward(model: RecurrentModel, inputs: ArrayLike<number>, state: Floats, outputs: Floats): void {
  const s = model.structure, p = s.inputSize, r = s.hiddenSize, o = s.outputSize, n = model.stateSize;
  const B = state.length / n;
  if (!Number.isInteger(B) || B < 1) fail('state', `a multiple of the state size ${n}`, state);
  if (!inputs || inputs.length !== B * p) fail('x', `B·p = ${B}·${p} values`, inputs);
  checkFinite('x', inputs, model.dtype);
  model.checkTokenIds('x', inputs);
  if (outputs.length !== B * o) fail('outputs', `B·o = ${B}·${o} values`, outputs);
  const f = model.batchFrame(B, 1);
  const mem = model.workspace.mem;
  mem.set(inputs, f.x);
  const move = (toFrame: boolean) => {
    for (const { region, at } of f.states) {
      for (let b = 0; b < B; b++) {
        const slot = region + (toFrame ? 0 : B * r) + b * r, st = b * n + at;
        if (toFrame) mem.set(state.subarray(st, st + r), slot);
        else state.set(mem.subarray(slot, slot + r), st);
      }
    }
  };
  move(true);
  f.learnedState = false;
  model.forwardSlots(f, 0, 1, false);
  move(false);
  outputs.set(mem.subarray(f.y, f.y + B * o));
}

/** Writes one state vector into slot `slot` of every sequence and layer of a frame. */
export function fillState(model: RecurrentModel, f: SequenceFrame, slot: number, state: ArrayLike<number>): void {
  const r = model.structure.hiddenSize, mem = model.workspace.mem, B = f.batch;
  for (const { region, at } of f.states) {
    for (let b = 0; b < B; b++) for (let j = 0; j < r; j++) mem[region + (slot * B + b) * r + j] = state[at + j]!;
  }
}

/** Copies the state in slot 1 into slot 0 for every layer (stepping a one-slot frame forward). */
export function carryState(model: RecurrentModel, f: SequenceFrame): void {
  const block = f.batch * model.structure.hiddenSize, mem = model.workspace.mem;
  for (const { region } of f.states) f.kernels.copy(mem, region, region + block, block);
}

/** The state a sequence starts from: the learned h0 (and c0) of every layer, else zeros. */
export function initialStateVector(model: RecurrentModel): Floats {
  const s = model.structure, r = s.hiddenSize, L = s.numLayers;
  const out = model.dtype === 'float64' ? new Float64Array(model.stateSize) : new Float32Array(model.stateSize);
  if (s.initialState === 'learned') {
    for (let l = 0; l < L; l++) {
      out.set(model.getParameter(model.parameterName('h0', l)), l * r);
      if (CELLS[s.cell].carriesCell) out.set(model.getParameter(model.parameterName('c0', l)), (L + l) * r);
    }
  }
  return out;
}
