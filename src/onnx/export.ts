import { ElmanRNN, FeedForwardNetwork, RecurrentModel, RnnkitError, type Activation, type Floats, type OutputFunction } from 'rnnkit';
import { OPERATOR, onnxLayer } from './cells.js';
import { FLOAT, Graph, INT64, type Dim } from './graph.js';

/** The options of toONNX. */
export interface OnnxExportOptions {
  /**
   * Adds the graph inputs `h0` [numLayers][batch][r], and `c0` for an LSTM: the initial
   * state of every layer, given per sequence (they replace zeros or the learned h0, c0).
   * A recurrent model only. Default false: the model's own initial state, zeros or its
   * learned h0 (and c0) broadcast over the batch.
   */
  initialStates?: boolean;
}

/** A feed-forward hidden layer's σ as an ONNX operator (identity needs none). */
const ACTIVATION_OPS: Record<Activation, string | undefined> = { tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', identity: undefined };

/** A parameter's values as the float32 the graph holds (a float64 model's are rounded to nearest). */
function float32(values: Floats): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** What a wrong argument is, for an error message: a value, "an array", "a Map", "an object". */
function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? `"${value}"` : String(value);
  if (Array.isArray(value)) return 'an array';
  const kind = value.constructor?.name;
  return kind && kind !== 'Object' ? `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}` : 'an object';
}

/** F over the last axis (`axis`) of `z`, its output named `name`. */
function outputFunction(g: Graph, output: OutputFunction, z: string, axis: number, name?: string): string {
  if (output === 'softmax') return g.op('Softmax', [z], { axis }, name);
  if (output === 'sigmoid') return g.op('Sigmoid', [z], {}, name);
  return name === undefined ? z : g.op('Identity', [z], {}, name);
}

/**
 * The model as an ONNX file (a serialized ModelProto, IR version 7, opset
 * 14) for inference anywhere ONNX runs: onnxruntime in Node, in a page
 * (onnxruntime-web), on a server, Netron to look at it.
 *
 * A RecurrentNetwork or ElmanRNN takes `x` [batch][steps][p] float32 (for a
 * model with an embedding, token ids [batch][steps] int64) and gives `y`
 * [batch][steps][o], F applied, and its final state: `hn`
 * [numLayers][batch][r], and `cn` for an LSTM. Each layer is ONNX's own RNN,
 * LSTM or GRU operator with PyTorch's equations (gate blocks reordered, GRU's
 * b_hn in the recurrent bias, linear_before_reset = 1). The initial state is
 * the model's (zeros, or its learned h0 and c0), or with `initialStates:
 * true` the inputs `h0` and `c0` [numLayers][batch][r]. batch and steps are
 * free in the file. Sequences run their full length: masks and lengths are
 * not part of the graph.
 *
 * A FeedForwardNetwork takes `x` [batch][p] and gives `y` [batch][o]: a Gemm
 * per layer, then σ or F.
 *
 * The file holds float32 weights; a float64 model's are rounded to float32.
 * Dropout is training-only and not in the graph. `model.metadata`, if any,
 * is saved as the JSON of the metadata property `rnnkit.metadata`.
 */
export function toONNX(model: RecurrentModel | FeedForwardNetwork, options: OnnxExportOptions = {}): Uint8Array {
  if (options === null || typeof options !== 'object') throw new RnnkitError(`options: expected an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'initialStates') throw new RnnkitError(`toONNX options: unknown option '${key}' (known: initialStates)`);
  }
  const initialStates = options.initialStates ?? false;
  if (typeof initialStates !== 'boolean') throw new RnnkitError(`initialStates: expected true or false, got ${describe(initialStates)}`);
  const g = new Graph();
  let doc: string;
  if (model instanceof RecurrentModel) {
    doc = recurrentGraph(g, model, initialStates);
  } else if (model instanceof FeedForwardNetwork) {
    if (initialStates) throw new RnnkitError('initialStates: a FeedForwardNetwork has no state to start from');
    doc = feedForwardGraph(g, model);
  } else if (model !== null && typeof model === 'object' && 'getParameter' in model && 'parameterNames' in model) {
    // The same classes from another bundle: rnnkit/js, or a second copy of rnnkit in the app.
    throw new RnnkitError("model: a model of another copy of rnnkit (rnnkit/js, or a second install): rnnkit/onnx exports the models of the 'rnnkit' entry it imports");
  } else {
    throw new RnnkitError(`model: expected a RecurrentNetwork, ElmanRNN or FeedForwardNetwork, got ${describe(model)}`);
  }
  const metadata: Record<string, string> = {};
  if (model.metadata !== undefined) metadata['rnnkit.metadata'] = JSON.stringify(model.metadata);
  return g.model({ name: 'rnnkit', doc, metadata });
}

/** Builds a recurrent model's graph in `g`; returns its description. */
function recurrentGraph(g: Graph, model: RecurrentModel, givenStates: boolean): string {
  const s = model.structure;
  const { cell, hiddenSize: r, numLayers: L, outputSize: o } = s;
  const param = (role: Parameters<RecurrentModel['parameterName']>[0], layer = 0) => float32(model.getParameter(model.parameterName(role, layer)));
  const tokens = s.vocabularySize > 0;
  const states = cell === 'lstm' ? ['h', 'c'] as const : ['h'] as const;
  const stateDims: Dim[] = [L, 'batch', r];

  // x, batch-first, made time-major: ONNX's recurrent operators read [steps][batch][input].
  let h: string;
  if (tokens) {
    g.input('x', INT64, ['batch', 'steps'], 'token ids in [0, vocabularySize), batch-first');
    const ids = g.op('Transpose', ['x'], { perm: [1, 0] });
    h = g.op('Gather', [g.constant('embedding', [s.vocabularySize, s.embeddingSize], param('embedding')), ids]);
  } else {
    g.input('x', FLOAT, ['batch', 'steps', s.inputSize], 'inputs, batch-first');
    h = g.op('Transpose', ['x'], { perm: [1, 0, 2] });
  }

  // Each layer's initial h (and c), [1][batch][r]; '' leaves the operator's input out: zeros.
  const initial = states.map(() => Array.from({ length: L }, () => ''));
  if (givenStates) {
    states.forEach((k, i) => {
      g.input(`${k}0`, FLOAT, stateDims, `initial ${k} of every layer`);
      initial[i] = L === 1 ? [`${k}0`] : g.node('Split', [`${k}0`], L, { axis: 0 });
    });
  } else if (s.initialState === 'learned') {
    // The learned vectors [1][1][r], expanded to [1][batch][r].
    const batch = g.op('Gather', [g.op('Shape', ['x']), g.ints('first', [0])]);
    const shape = g.op('Concat', [g.ints('one', [1]), batch, g.ints('hidden_size', [r])], { axis: 0 });
    states.forEach((k, i) => {
      for (let l = 0; l < L; l++) initial[i]![l] = g.op('Expand', [g.constant(`learned_${k}0_l${l}`, [1, 1, r], param(`${k}0`, l)), shape]);
    });
  }

  const finals = states.map((): string[] => []);
  const squeezeAxes = g.ints('num_directions_axis', [1]);
  for (let l = 0; l < L; l++) {
    const inputs = l === 0 ? (tokens ? s.embeddingSize : s.inputSize) : r;
    const onnx = onnxLayer(cell, s.activation, r, inputs, param('W_in', l), param('W_rec', l), param('b_rec', l), cell === 'gru' ? param('b_hn', l) : undefined);
    const G = onnx.W.length / (r * inputs);
    const W = g.constant(`W_l${l}`, [1, G * r, inputs], onnx.W);
    const R = g.constant(`R_l${l}`, [1, G * r, r], onnx.R);
    const B = g.constant(`B_l${l}`, [1, 2 * G * r], onnx.B);
    // Inputs X, W, R, B, sequence_lens (none: full length), initial_h, initial_c; outputs Y [steps][1][batch][r], Y_h, Y_c.
    const [Y, ...last] = g.node(OPERATOR[cell], [h, W, R, B, '', ...initial.map((v) => v[l]!)], 1 + states.length,
      { hidden_size: r, ...onnx.attributes });
    h = g.op('Squeeze', [Y!, squeezeAxes]);
    last.forEach((v, i) => finals[i]!.push(v));
  }

  // The output layer on the top layer's h at every step, then back to batch-first.
  const z = g.op('Add', [g.op('MatMul', [h, g.constant('W_out_transposed', [r, o], transpose(param('W_out'), o, r))]), g.constant('b_out', [o], param('b_out'))]);
  g.op('Transpose', [outputFunction(g, s.output, z, 2)], { perm: [1, 0, 2] }, 'y');
  g.output('y', ['batch', 'steps', o], `outputs, F = ${s.output}`);
  states.forEach((k, i) => {
    g.op(L === 1 ? 'Identity' : 'Concat', finals[i]!, L === 1 ? {} : { axis: 0 }, `${k}n`);
    g.output(`${k}n`, stateDims, `final ${k} of every layer (after the last step)`);
  });
  const what = model instanceof ElmanRNN ? 'ElmanRNN' : 'RecurrentNetwork';
  const x = tokens ? 'x [batch][steps] int64 token ids' : `x [batch][steps][${s.inputSize}]`;
  const h0 = givenStates ? `, ${states.map((k) => `${k}0`).join(', ')} [${L}][batch][${r}]` : '';
  return `rnnkit ${what}: ${L} ${cell} layer${L > 1 ? 's' : ''} of ${r} units, output ${s.output}. `
    + `Inputs ${x}${h0}; outputs y [batch][steps][${o}], ${states.map((k) => `${k}n`).join(', ')} [${L}][batch][${r}].`;
}

/** Builds a feed-forward network's graph in `g`; returns its description. */
function feedForwardGraph(g: Graph, model: FeedForwardNetwork): string {
  const { layerSizes: sizes, activation, output } = model.config;
  const U = sizes.length - 1;
  g.input('x', FLOAT, ['batch', sizes[0]!], 'inputs');
  let a = 'x';
  for (let k = 1; k <= U; k++) {
    const W = g.constant(`W${k}`, [sizes[k]!, sizes[k - 1]!], float32(model.getParameter(`W${k}`)));
    const b = g.constant(`b${k}`, [sizes[k]!], float32(model.getParameter(`b${k}`)));
    a = g.op('Gemm', [a, W, b], { transB: 1 });
    const act = ACTIVATION_OPS[activation];
    if (k < U && act) a = g.op(act, [a]);
  }
  outputFunction(g, output, a, 1, 'y');
  g.output('y', ['batch', sizes[U]!], `outputs, F = ${output}`);
  return `rnnkit FeedForwardNetwork: layers ${sizes.join('-')}, σ ${activation}, output ${output}. Inputs x [batch][${sizes[0]}]; outputs y [batch][${sizes[U]}].`;
}

/** The transpose of a rows×cols row-major matrix. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j]!;
  return out;
}
