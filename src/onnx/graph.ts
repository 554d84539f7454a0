import { ProtoWriter } from './protobuf.js';

/*
 * An ONNX graph and the model file around it, written with the field numbers
 * of onnx.proto: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto (data as raw_data, little-endian), ValueInfoProto and the
 * TypeProto.Tensor/TensorShapeProto it holds.
 */

/** TensorProto.DataType: the element types the exported graphs use. */
export const FLOAT = 1;
export const INT64 = 7;
export type ElementType = typeof FLOAT | typeof INT64;

/** A dimension: a size, or a name for a size given at run time (`batch`, `steps`). */
export type Dim = number | string;

/**
 * An attribute's value: an integer (INT), a string (STRING), integers
 * (INTS), strings (STRINGS), or a Float32Array (FLOATS).
 */
export type AttributeValue = number | string | readonly number[] | readonly string[] | Float32Array;

/** What the files declare: the default operator set at version 14 and its IR version, 7 (both from ONNX 1.9), which onnxruntime has run since 1.8. */
export const IR_VERSION = 7;
export const OPSET = 14;

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  // AttributeProto: type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7, STRINGS 8); i 3, s 4, floats 7, ints 8, strings 9.
  if (typeof value === 'number') return a.int(20, 2).int(3, value);
  if (typeof value === 'string') return a.int(20, 3).string(4, value);
  if (value instanceof Float32Array) {
    a.int(20, 6);
    for (const v of value) a.float(7, v);
    return a;
  }
  if (value.every((v) => typeof v === 'number')) {
    a.int(20, 7);
    for (const v of value as readonly number[]) a.int(8, v);
    return a;
  }
  a.int(20, 8);
  for (const v of value as readonly string[]) a.string(9, v);
  return a;
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9. */
function tensor(name: string, type: ElementType, dims: readonly number[], values: ArrayLike<number>): ProtoWriter {
  const width = type === INT64 ? 8 : 4;
  const raw = new Uint8Array(values.length * width);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (type === INT64) view.setBigInt64(i * 8, BigInt(values[i]!), true);
    else view.setFloat32(i * 4, values[i]!, true);
  }
  const t = new ProtoWriter();
  for (const d of dims) t.int(1, d);
  return t.int(2, type).string(8, name).bytes(9, raw);
}

/** ValueInfoProto: name 1, type 2 (TypeProto.tensor_type 1: elem_type 1, shape 2 of dim 1: dim_value 1 or dim_param 2), doc_string 3. */
function valueInfo(name: string, type: ElementType, dims: readonly Dim[], doc: string): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, type).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType)).string(3, doc);
}

/** What the model file says about itself. */
export interface ModelInfo {
  /** The graph's name. */
  readonly name: string;
  /** The graph's doc string: what it computes, its inputs and outputs. */
  readonly doc: string;
  /** metadata_props: string keys and values. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** An ONNX graph being built: nodes in topological order (as they are added), constants, inputs, outputs. */
export class Graph {
  private readonly nodes: ProtoWriter[] = [];
  private readonly constants: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private readonly names = new Set<string>();
  private count = 0;

  /** A name not used yet in the graph: `base`, or `base_1`, `base_2`… */
  private fresh(base: string): string {
    let name = base;
    while (this.names.has(name)) name = `${base}_${++this.count}`;
    this.names.add(name);
    return name;
  }

  /** A name the graph's user will see (an input or output): it must be free. */
  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph: the name ${name} is taken`);
    this.names.add(name);
    return name;
  }

  /** A constant (an initializer); returns its name. */
  constant(name: string, dims: readonly number[], values: ArrayLike<number>, type: ElementType = FLOAT): string {
    const unique = this.fresh(name);
    this.constants.push(tensor(unique, type, dims, values));
    return unique;
  }

  /** An int64 constant of one dimension (axes, indices, shapes). */
  ints(name: string, values: readonly number[]): string {
    return this.constant(name, [values.length], values, INT64);
  }

  /**
   * A node; returns the names of its outputs: `outputs` when names are given,
   * else that many fresh names. An empty input name is an optional input left out.
   */
  node(op: string, inputs: readonly string[], outputs: number | readonly string[] = 1, attributes: Record<string, AttributeValue> = {}): string[] {
    const names = typeof outputs === 'number'
      ? Array.from({ length: outputs }, (_, i) => this.fresh(outputs === 1 ? op : `${op}_${i}`))
      : outputs.map((n) => this.claim(n));
    // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. Trailing optional inputs left out are dropped.
    let used = inputs.length;
    while (used > 0 && inputs[used - 1] === '') used--;
    const node = new ProtoWriter();
    for (const input of inputs.slice(0, used)) node.string(1, input);
    for (const output of names) node.string(2, output);
    node.string(3, this.fresh(`${op}_node`)).string(4, op);
    for (const [name, value] of Object.entries(attributes)) node.message(5, attribute(name, value));
    this.nodes.push(node);
    return names;
  }

  /** One node of one output; returns its name. */
  op(op: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, output?: string): string {
    return this.node(op, inputs, output === undefined ? 1 : [output], attributes)[0]!;
  }

  /** A graph input. */
  input(name: string, type: ElementType, dims: readonly Dim[], doc: string): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims, doc));
    return name;
  }

  /** Declares a node's output (already named `name`) a graph output. */
  output(name: string, dims: readonly Dim[], doc: string): void {
    this.outputs.push(valueInfo(name, FLOAT, dims, doc));
  }

  /** The model file: ModelProto with this graph, IR version 7, the default domain at opset 14. */
  model(info: ModelInfo): Uint8Array {
    // GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12.
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, info.name);
    for (const c of this.constants) graph.message(5, c);
    graph.string(10, info.doc);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    // ModelProto: ir_version 1, producer_name 2, doc_string 6, graph 7, opset_import 8 (domain 1, version 2), metadata_props 14 (key 1, value 2).
    const model = new ProtoWriter().int(1, IR_VERSION).string(2, 'rnnkit').string(6, info.doc).message(7, graph)
      .message(8, new ProtoWriter().string(1, '').int(2, OPSET));
    for (const [key, value] of Object.entries(info.metadata)) model.message(14, new ProtoWriter().string(1, key).string(2, value));
    return model.finish();
  }
}
