import type { Backend, BackendName, DType } from '../../backend/index.js';
import { checkSequenceBatch, selectSequences, type SequenceBatch } from '../../data/sequence-batch.js';
import { checkKeys, checkNumber, checkOneOf, fail, RnnkitError, checkSeed } from '../../errors.js';
import { NONE } from '../../kernels/js/types.js';
import { activationCode, checkTargetDomain, lossCode } from '../functions.js';
import { initMatrix, type WeightInit } from '../init.js';
import { Network, range, type Floats, type TargetView } from '../network.js';
import { Random } from '../random.js';
import { CELLS, type Cell, type GradientTarget, type HeadOffsets, type LayerOffsets } from './cells.js';
import { stateSize, type RecurrentStructure } from './config.js';
import { planFrame, slideFrame, type FrameOwner, type SequenceFrame } from './frame.js';
import { parameterSpecs, type ParameterNames, type ParameterRole } from './layout.js';

/** How a recurrent model's weights start. Biases start at zero (an LSTM's forget gate at 1), an embedding N(0, 1). */
export interface RecurrentInitOptions {
  /**
   * W_in (each gate block): 'glorot' U(±√(6/(fanIn + fanOut))) or 'he' N(0, 2/fanIn); W_out is
   * always Glorot. Default: 'he' for relu, 'glorot' otherwise.
   */
  weights?: 'glorot' | 'he';
  /** W_rec (each gate block): 'glorot', 'he', 'orthogonal', 'identity' (IRNN) or 'zeros'. Default 'orthogonal'. */
  recurrent?: WeightInit;
  /** A finite factor multiplying W_rec after initialisation (e.g. 0.9 for a contracting start). Default 1. */
  recurrentGain?: number;
}

/**
 * What every recurrent model shares — Elman, LSTM and GRU cells, stacked,
 * with an optional embedding and dropout: ElmanRNN and RecurrentNetwork are
 * recurrent models, and RnnStepper, OnlineLearner and sample() take either.
 *
 * Forward, per layer: one product W_in·X + b over all steps of the window
 * (the input term does not depend on the previous step), then the cell's
 * recurrence kernel; the output layer y = F(W_out·h + b_out) over all steps.
 * Backward mirrors it: the cell's kernel gives ∂L/∂(W_in·x + b) for every
 * step, and every weight gradient and the gradient for the layer below are
 * then single products.
 */
export abstract class RecurrentModel extends Network<SequenceBatch> {
  /** Everything that fixes the model's shape and equations: cell, sizes, layers, functions. */
  readonly structure: RecurrentStructure;
  private readonly names: ParameterNames;
  private readonly cell: Cell;
  /** Every layer's parameter offsets and gradient offsets, and the head's: fixed for the model's life. */
  private readonly weights: readonly LayerOffsets[];
  private readonly head: HeadOffsets;
  /** @internal The model's own gradient block, where a frame's backward pass writes unless it is a thread's share. */
  readonly ownGradients: GradientTarget;
  private frame: SequenceFrame | undefined;
  private frameGeneration = -1;
  /** The frames that hold what was put in them: the batch block's last users, and pinned frames. */
  private current: readonly SequenceFrame[] = [];
  private loaded: SequenceFrame | undefined;
  /** @internal Keys the dropout masks (the seed the model was made with; a clone keeps it). */
  protected readonly dropoutSeed: number;
  /** Dropout masks differ per draw: train() takes a new draw for every mini-batch. */
  private dropoutDraw = 0;

  /** @internal */
  protected constructor(
    structure: RecurrentStructure, names: ParameterNames, dtype: DType, backend: Backend | BackendName | 'auto',
    init: RecurrentInitOptions | undefined, seed: number,
  ) {
    super(parameterSpecs(structure, names), dtype, backend);
    this.structure = structure;
    this.names = names;
    this.cell = CELLS[structure.cell];
    const at = (role: ParameterRole, l: number, grads: boolean) => {
      const name = names(role, l);
      return this.layout.find(name) ? this.offsetOf(name, grads) : NONE;
    };
    const layer = (l: number, g: boolean): LayerOffsets =>
      ({ wIn: at('W_in', l, g), wRec: at('W_rec', l, g), bRec: at('b_rec', l, g), bHn: at('b_hn', l, g), h0: at('h0', l, g), c0: at('c0', l, g) });
    const layers = Array.from({ length: structure.numLayers }, (_, l) => l);
    this.weights = layers.map((l) => layer(l, false));
    this.head = { embedding: at('embedding', 0, false), wOut: at('W_out', 0, false), bOut: at('b_out', 0, false) };
    this.ownGradients = {
      block: this.block.grads,
      layers: layers.map((l) => layer(l, true)),
      head: { embedding: at('embedding', 0, true), wOut: at('W_out', 0, true), bOut: at('b_out', 0, true) },
    };
    checkSeed('seed', seed);
    this.dropoutSeed = seed >>> 0;
    this.initialize(init, seed);
  }

  /** Input size p: values per step (1, the token id, with an embedding). */
  get inputSize(): number { return this.structure.inputSize; }
  /** Hidden size r: units in every layer. */
  get hiddenSize(): number { return this.structure.hiddenSize; }
  /** Output size o: values per step out of the output layer. */
  get outputSize(): number { return this.structure.outputSize; }
  /** Values per sequence in a state: h of every layer, then c of every layer (LSTM). */
  get stateSize(): number { return stateSize(this.structure); }

  /** The name this model gives a parameter of a layer (0-based, default 0), e.g. W_rec, or W_rec_l1 in a RecurrentNetwork. */
  parameterName(role: ParameterRole, layer = 0): string {
    return this.names(role, layer);
  }

  private initialize(init: RecurrentInitOptions | undefined, seed: number): void {
    checkKeys('init', init, ['weights', 'recurrent', 'recurrentGain']);
    const s = this.structure, r = s.hiddenSize, gates = this.cell.gates;
    const weights = checkOneOf('init.weights', init?.weights ?? (s.activation === 'relu' ? 'he' : 'glorot'), ['glorot', 'he']);
    const recurrent = checkOneOf('init.recurrent', init?.recurrent ?? 'orthogonal', ['glorot', 'he', 'orthogonal', 'identity', 'zeros']);
    const gain = checkNumber('init.recurrentGain', init?.recurrentGain ?? 1);
    const rng = new Random(seed);
    // Each gate block is a layer of its own: initialised as an r×cols matrix.
    const fill = (name: string, cols: number, kind: WeightInit, g: number) => {
      const values = new Float64Array(gates * r * cols), block = new Float64Array(r * cols);
      for (let k = 0; k < gates; k++) {
        initMatrix(block, r, cols, kind, g, rng);
        values.set(block, k * r * cols);
      }
      this.setParameter(name, values);
    };
    for (let l = 0; l < s.numLayers; l++) {
      fill(this.names('W_in', l), this.layout.find(this.names('W_in', l))!.cols, weights, 1);
      fill(this.names('W_rec', l), r, recurrent, gain);
      // The forget gate starts open (b_f = 1, Jozefowicz et al. 2015), so memory survives from the first step.
      if (s.cell === 'lstm') this.setParameter(this.names('b_rec', l), Float64Array.from({ length: 4 * r }, (_, i) => (i >= r && i < 2 * r ? 1 : 0)));
    }
    const wOut = new Float64Array(s.outputSize * r);
    initMatrix(wOut, s.outputSize, r, 'glorot', 1, rng);
    this.setParameter(this.names('W_out', 0), wOut);
    // An embedding as PyTorch's: N(0, 1). Drawn last so a model without one is initialised as before.
    if (s.vocabularySize > 0) {
      this.setParameter(this.names('embedding', 0), Float64Array.from({ length: s.vocabularySize * s.embeddingSize }, () => rng.gaussian()));
    }
  }

  // ---- parameters ----

  /** @internal Arena offset of a parameter or (grads = true) of its gradient, for the gradient algorithms. */
  parameterOffset(name: string, grads = false): number {
    return this.offsetOf(name, grads);
  }

  // ---- data ----

  /** @internal */
  exampleCount(data: SequenceBatch): number {
    return data.size;
  }

  /** @internal */
  selectExamples(data: SequenceBatch, indices: ArrayLike<number>): SequenceBatch {
    return selectSequences(data, indices);
  }

  /** @internal */
  targetsOf(data: SequenceBatch): TargetView {
    const { output, loss } = this.structure;
    return { positions: data.size * data.steps, targets: data.targets, classes: data.classes, weights: data.mask, output, loss };
  }

  /** @internal */
  checkData(data: SequenceBatch, needTargets: boolean): void {
    const s = this.structure, o = s.outputSize;
    checkSequenceBatch(data);
    if (s.vocabularySize > 0) {
      if (data.inputSize !== 1) fail('batch.inputSize', '1: one token id per step (this model embeds token ids)', data.inputSize);
      this.checkTokenIds('batch.inputs', data.inputs);
    } else if (data.inputSize !== s.inputSize) {
      fail('batch.inputSize', `the model's inputSize p = ${s.inputSize}`, data.inputSize);
    }
    if (data.initialState && data.initialState.length !== data.size * this.stateSize) {
      const simple = s.numLayers === 1 && !this.cell.carriesCell;
      fail('batch.initialState', `B·${simple ? 'r' : 'stateSize'} = ${data.size}·${this.stateSize} values${simple ? '' : ` (h of every layer${this.cell.carriesCell ? ', then c of every layer' : ''})`}`, data.initialState);
    }
    if (!needTargets) return;
    if (data.classes) {
      if (s.loss !== 'cross-entropy') fail('batch.classes', `vector targets: class indices need loss 'cross-entropy', this model's loss is '${s.loss}'`);
      for (let i = 0; i < data.classes.length; i++) {
        if (data.mask[i] !== 0 && data.classes[i]! >= o) fail(`batch.classes[${i}]`, `a class index in [0, ${o - 1}]`, data.classes[i]);
      }
    } else if (data.targets) {
      if (data.targetSize !== o) fail('batch.targetSize', `the model's outputSize o = ${o}`, data.targetSize);
      checkTargetDomain(data.targets, s.loss);
    } else {
      fail('batch', 'targets or classes (needed for a loss)');
    }
  }

  /** @internal With an embedding, every input must be a token id in [0, V): the kernels index the table with it. */
  checkTokenIds(argument: string, values: ArrayLike<number>): void {
    const V = this.structure.vocabularySize;
    if (V === 0) return;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(Number.isInteger(v) && v >= 0 && v < V)) fail(`${argument}[${i}]`, `a token id in [0, ${V - 1}]`, v);
    }
  }

  // ---- frames ----

  /** @internal The frame in the batch block for B sequences and a window of C steps (planned again only when needed). */
  batchFrame(batch: number, capacity: number): SequenceFrame {
    let f = this.frame;
    if (!(f && f.batch === batch && f.capacity === capacity && this.frameGeneration === this.workspace.generation)) {
      f = planFrame(this.structure, this.workspace.fixedLength, batch, capacity, this.own());
      this.workspace.reserve(f.end);
      this.frame = f;
      this.frameGeneration = this.workspace.generation;
    }
    if (this.current.length !== 1 || this.current[0] !== f) this.current = [f];
    return f;
  }

  /** @internal Elements a frame of B sequences and C steps occupies. */
  frameSize(batch: number, capacity: number): number {
    return planFrame(this.structure, 0, batch, capacity, this.own()).end;
  }

  /**
   * A frame laid out from `base` (e.g. in a region pinned with workspace.pin,
   * which other calls leave alone), computed by the model itself or by
   * `owner` (a thread's share: src/threads/share-frames.ts).
   * @internal
   */
  frameAt(base: number, batch: number, capacity: number, owner: FrameOwner = this.own()): SequenceFrame {
    return planFrame(this.structure, base, batch, capacity, owner);
  }

  /** @internal Hands the batch block, up to `end`, to these frames: other frames planned there no longer hold their data. */
  claimBatchBlock(frames: readonly SequenceFrame[], end: number): void {
    this.workspace.reserve(end);
    this.frame = this.loaded = undefined;
    this.current = frames;
    this.frameGeneration = this.workspace.generation;
  }

  /** @internal Whether a frame still holds what was put in it (no other call on the model has re-planned the batch block). */
  frameIsCurrent(f: SequenceFrame): boolean {
    return this.frameGeneration === this.workspace.generation && (f.end <= this.workspace.fixedLength || this.current.includes(f));
  }

  /** @internal Drops the oldest `drop` of a window's `length` slots (see slideFrame). */
  slide(f: SequenceFrame, drop: number, length: number, outputs: boolean): void {
    slideFrame(this.structure, this.mem, f, drop, length, outputs);
  }

  /** The model's own kernels and gradient block, for the frames it computes itself. */
  private own() {
    return { kernels: this.backend.kernels, gradients: this.ownGradients };
  }

  /**
   * Copies steps [fromStep, fromStep + count) of the chosen sequences into
   * slots [slot, slot + count) of a frame, transposed to time-major.
   * @internal
   */
  loadSteps(f: SequenceFrame, data: SequenceBatch, indices: ArrayLike<number>, fromStep: number, count: number, slot: number): void {
    const B = f.batch, T = data.steps, p = this.structure.inputSize, o = this.structure.outputSize;
    const mem = this.mem, inputs = data.inputs, targets = data.targets, classes = data.classes, mask = data.mask;
    // Plain loops rather than subarray+set: this runs once per batch for every (sequence, step), and allocates nothing.
    for (let i = 0; i < B; i++) {
      const b = indices[i]!;
      mem[f.ids + i] = b;
      for (let s = 0; s < count; s++) {
        const row = (slot + s) * B + i, src = b * T + fromStep + s;
        const x = f.x + row * p, xs = src * p;
        for (let j = 0; j < p; j++) mem[x + j] = inputs[xs + j]!;
        mem[f.mask + row] = mask[src]!;
        if (targets) {
          const y = f.target + row * o, ys = src * o;
          for (let j = 0; j < o; j++) mem[y + j] = targets[ys + j]!;
        } else if (classes) {
          mem[f.target + row] = classes[src]!;
        }
      }
    }
    f.classTargets = classes !== undefined && targets === undefined;
    f.firstStep = fromStep - slot;
  }

  /** @internal Slot 0 of every layer: the batch's per-sequence state, else the learned h0/c0 (filled by the forward pass), else zeros. */
  loadInitialState(f: SequenceFrame, data: SequenceBatch, indices: ArrayLike<number>): void {
    const s = this.structure, r = s.hiddenSize, mem = this.mem, k = f.kernels;
    f.learnedState = !data.initialState && s.initialState === 'learned';
    f.firstStep = 0;
    const state = data.initialState, n = this.stateSize;
    for (const { region, at } of f.states) {
      if (state) for (let i = 0; i < f.batch; i++) mem.set(state.subarray(indices[i]! * n + at, indices[i]! * n + at + r), region + i * r);
      else if (!f.learnedState) k.fill(mem, region, f.batch * r, 0);
    }
  }

  /** @internal Copies the chosen sequences (all T steps) into the batch frame. */
  loadExamples(data: SequenceBatch, indices: ArrayLike<number>): void {
    const f = this.batchFrame(indices.length, data.steps);
    this.loadSteps(f, data, indices, 0, data.steps, 0);
    this.loadInitialState(f, data, indices);
    this.loaded = f;
  }

  /** @internal Takes a new draw of dropout masks (train() does so for every mini-batch). */
  override nextDropoutDraw(): void {
    this.dropoutDraw = (this.dropoutDraw + 1) >>> 0;
  }

  // ---- forward and backward over slots ----

  /**
   * Forward over slots [from, from + count) from the state in slot `from`: every
   * layer, then z and y = F(z). In training, dropout masks the output of every
   * layer but the top (none when the model has no dropout).
   * @internal
   */
  forwardSlots(f: SequenceFrame, from: number, count: number, training: boolean): void {
    const mem = this.mem, k = f.kernels, s = this.structure, B = f.batch, rows = count * B;
    const r = s.hiddenSize, o = s.outputSize, G = this.cell.gates * r, act = activationCode(s.activation);
    let input = f.x, width = s.inputSize;
    if (f.emb !== NONE) {
      k.embeddingForward(mem, f.emb + from * B * s.embeddingSize, this.head.embedding, f.x + from * B, rows, s.embeddingSize);
      input = f.emb;
      width = s.embeddingSize;
    }
    for (let l = 0; l < s.numLayers; l++) {
      const layer = f.layers[l]!, w = this.weights[l]!;
      if (from === 0 && f.learnedState) {
        k.broadcastRows(mem, layer.h, w.h0, B, r);
        if (layer.c !== NONE) k.broadcastRows(mem, layer.c, w.c0, B, r);
      }
      const pre = layer.pre + from * B * G, h = layer.h + from * B * r;
      k.broadcastRows(mem, pre, w.bRec, rows, G);
      k.matmulABt(mem, pre, input + from * B * width, w.wIn, rows, G, width, 1);
      this.cell.forward(k, mem, layer, w, from, B, count, r, act);
      input = layer.h + B * r;
      width = r;
      if (layer.drop !== NONE && training) {
        k.dropoutMask(mem, layer.drop + from * B * r, f.ids, B, count, f.firstStep + from, r, this.dropoutSeed, this.dropoutDraw, l, s.dropout);
        k.multiply(mem, layer.out + from * B * r, h + B * r, layer.drop + from * B * r, rows * r);
        input = layer.out;
      }
    }
    const top = f.layers[s.numLayers - 1]!;
    k.denseForward(mem, top.h + (from + 1) * B * r, this.head.wOut, this.head.bOut,
      f.z + from * B * o, f.y + from * B * o, rows, r, o, activationCode(s.output));
  }

  /** @internal Loss of slots [from, from + count) (mean over sequences, eq. 1.31) and, if asked, ∂L/∂z into dz. */
  lossSlots(f: SequenceFrame, from: number, count: number, gradient: boolean): number {
    const { outputSize: o, output, loss } = this.structure;
    const rows = from * f.batch;
    return f.kernels.lossForwardBackward(
      this.mem, f.z + rows * o, f.y + rows * o, f.target + (f.classTargets ? rows : rows * o), f.mask + rows,
      gradient ? f.dz + rows * o : NONE, count * f.batch, o, lossCode(loss, f.classTargets), activationCode(output), 1 / f.lossBatch,
    );
  }

  /**
   * The output layer's backward pass for slots [from, from + count) (eqs.
   * 1.43–1.44): accumulates dW_out and db_out and writes ∂L/∂h of the top
   * layer for those slots.
   * @internal
   */
  outputBackward(f: SequenceFrame, from: number, count: number): void {
    const { hiddenSize: r, outputSize: o, numLayers } = this.structure, B = f.batch, top = f.layers[numLayers - 1]!;
    const g = f.gradients.head;
    f.kernels.denseBackward(this.mem, f.dz + from * B * o, top.h + (from + 1) * B * r, this.head.wOut,
      g.wOut, g.bOut, top.dH + from * B * r, count * B, r, o);
  }

  /**
   * BPTT over slots [0, length) of a frame, top layer first. The top layer's
   * dH holds ∂L/∂h from the outputs (zero where no loss was injected); each
   * layer hands ∂L/∂(its input) to the layer below (through the dropout mask
   * when `training` applied one) and finally to the embedding. With
   * `intoInitial`, ∂L/∂(slot 0) is summed into the learned h0/c0 (only when
   * slot 0 really holds them).
   * @internal
   */
  backwardSlots(f: SequenceFrame, length: number, intoInitial: boolean, training: boolean): void {
    const mem = this.mem, k = f.kernels, s = this.structure, B = f.batch, rows = length * B;
    const r = s.hiddenSize, G = this.cell.gates * r, act = activationCode(s.activation);
    for (let l = s.numLayers - 1; l >= 0; l--) {
      const layer = f.layers[l]!, w = this.weights[l]!, g = f.gradients.layers[l]!;
      this.cell.backward(k, mem, layer, w, g, B, length, r, act);
      const below = l > 0 ? f.layers[l - 1]! : undefined;
      const dropped = below !== undefined && below.drop !== NONE && training;
      const input = below ? (dropped ? below.out : below.h + B * r) : f.emb !== NONE ? f.emb : f.x;
      k.matmulAtB(mem, g.wRec, layer.dU, layer.h, G, r, rows, 1);
      k.matmulAtB(mem, g.wIn, layer.dPre, input, G, layer.inputSize, rows, 1);
      k.columnSums(mem, g.bRec, layer.dPre, rows, G, 1);
      if (below) {
        k.matmulAB(mem, below.dH, layer.dPre, w.wIn, rows, r, G, 0);
        if (dropped) k.multiply(mem, below.dH, below.dH, below.drop, rows * r);
      } else if (f.emb !== NONE) {
        k.matmulAB(mem, f.dEmb, layer.dPre, w.wIn, rows, s.embeddingSize, G, 0);
        k.embeddingBackward(mem, f.gradients.head.embedding, f.dEmb, f.x, rows, s.embeddingSize);
      }
      if (intoInitial && f.learnedState) {
        k.sumRowsInto(mem, g.h0, layer.dH0, B, r);
        if (layer.dC0 !== NONE) k.sumRowsInto(mem, g.c0, layer.dC0, B, r);
      }
    }
  }

  /** @internal */
  loss(training = false): number {
    const f = this.requireLoaded();
    this.forwardSlots(f, 0, f.capacity, training);
    return this.lossSlots(f, 0, f.capacity, false);
  }

  /** @internal Full BPTT on the loaded batch, in training mode (dropout on, with the current draw). */
  lossAndGradients(): number {
    return this.lossAndGradientsOf(this.requireLoaded());
  }

  /** @internal Full BPTT on a frame holding whole sequences, into the frame's gradient block. */
  lossAndGradientsOf(f: SequenceFrame): number {
    f.kernels.fill(this.mem, f.gradients.block, this.parameterCount, 0);
    this.forwardSlots(f, 0, f.capacity, true);
    const loss = this.lossSlots(f, 0, f.capacity, true);
    this.outputBackward(f, 0, f.capacity);
    this.backwardSlots(f, f.capacity, true, true);
    return loss;
  }

  private requireLoaded(): SequenceFrame {
    const f = this.loaded;
    if (!f || f !== this.frame || this.frameGeneration !== this.workspace.generation) {
      throw new RnnkitError(`${this.constructor.name}: no batch is loaded (call loadExamples first; other calls on the model replace it)`);
    }
    return f;
  }

  // ---- inference ----

  /**
   * Outputs y_t for every sequence and step, [B][T][o] (steps past a
   * sequence's length are computed on the zero padding and can be ignored).
   * Dropout is off.
   */
  predict(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, T = data.steps, o = this.structure.outputSize;
    const out = this.newFloats(B * T * o);
    this.forEachChunk(data, (f, start, n) => {
      const mem = this.mem;
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < T; t++) {
          const src = f.y + (t * n + i) * o;
          out.set(mem.subarray(src, src + o), ((start + i) * T + t) * o);
        }
      }
    });
    return out;
  }

  /** The state at each sequence's last valid step, [B][stateSize] (h of every layer, then c of every layer). */
  finalStates(data: SequenceBatch): Floats {
    this.checkData(data, false);
    const B = data.size, r = this.structure.hiddenSize, n = this.stateSize;
    const out = this.newFloats(B * n);
    this.forEachChunk(data, (f, start, count) => {
      for (let i = 0; i < count; i++) {
        const slot = data.lengths[start + i]!;
        for (const { region, at } of f.states) {
          const src = region + (slot * count + i) * r;
          out.set(this.mem.subarray(src, src + r), (start + i) * n + at);
        }
      }
    });
    return out;
  }

  /** Runs the forward pass over a batch in chunks of at most 256 sequences. */
  private forEachChunk(data: SequenceBatch, use: (f: SequenceFrame, start: number, n: number) => void): void {
    for (let start = 0; start < data.size; start += 256) {
      const n = Math.min(256, data.size - start);
      this.loadExamples(data, range(n, start));
      const f = this.loaded!;
      this.forwardSlots(f, 0, f.capacity, false);
      use(f, start, n);
    }
  }

  private newFloats(n: number): Floats {
    return this.workspace.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  }
}

/** `model` must be a recurrent model: what steps, learns online or samples. */
export function checkRecurrentModel(argument: string, model: unknown): asserts model is RecurrentModel {
  if (!(model instanceof RecurrentModel)) fail(argument, 'a recurrent model (RecurrentNetwork or ElmanRNN)', model);
}
