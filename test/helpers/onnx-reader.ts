/*
 * A protobuf reader for the tests, independent of src/onnx's writer: it
 * decodes the wire format field by field and reads back what an ONNX file
 * says (onnx.proto's field numbers), so a test can check the graph's
 * operators, attributes, tensors and metadata.
 */
type Value = bigint | Uint8Array | number;
type Fields = Map<number, Value[]>;

function decode(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const varint = (): bigint => {
    let value = 0n, shift = 0n;
    for (;;) {
      if (at >= bytes.length) throw new Error('truncated varint');
      const b = bytes[at++]!;
      value |= BigInt(b & 127) << shift;
      shift += 7n;
      if (b < 128) return value;
    }
  };
  while (at < bytes.length) {
    const key = Number(varint()), field = key >>> 3, wire = key & 7;
    let value: Value;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = Number(varint());
      if (at + n > bytes.length) throw new Error('truncated field');
      value = bytes.subarray(at, at + n);
      at += n;
    } else if (wire === 5) {
      value = view.getFloat32(at, true);
      at += 4;
    } else throw new Error(`wire type ${wire} not expected in an ONNX file`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (v: Value | undefined) => (v === undefined ? '' : new TextDecoder().decode(v as Uint8Array));
const all = (f: Fields, n: number) => f.get(n) ?? [];
const one = (f: Fields, n: number) => f.get(n)?.[0];
const int = (v: Value | undefined) => (v === undefined ? undefined : Number(BigInt.asIntN(64, v as bigint)));

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, { type: number; value: number | string | number[] | string[] }>;
}
export interface OnnxTensor { name: string; dims: number[]; dataType: number; values: number[] }
export interface OnnxValueInfo { name: string; elemType: number; dims: (number | string)[]; doc: string }
export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  graphName: string;
  doc: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  metadata: Record<string, string>;
}

function attributeOf(f: Fields): [string, OnnxNode['attributes'][string]] {
  const type = int(one(f, 20))!;
  const value = type === 1 ? one(f, 2) as number : type === 2 ? int(one(f, 3))! : type === 3 ? text(one(f, 4))
    : type === 6 ? all(f, 7) as number[] : type === 7 ? all(f, 8).map((v) => int(v)!) : type === 8 ? all(f, 9).map(text) : NaN;
  return [text(one(f, 1)), { type, value }];
}

function tensorOf(f: Fields): OnnxTensor {
  const dataType = int(one(f, 2))!;
  const raw = one(f, 9) as Uint8Array;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = dataType === 7
    ? Array.from({ length: raw.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
    : Array.from({ length: raw.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
  return { name: text(one(f, 8)), dims: all(f, 1).map((v) => int(v)!), dataType, values };
}

function valueInfoOf(f: Fields): OnnxValueInfo {
  const tensorType = decode(one(decode(one(f, 2) as Uint8Array), 1) as Uint8Array);
  const dims = all(decode(one(tensorType, 2) as Uint8Array), 1).map((d) => {
    const dim = decode(d as Uint8Array);
    return dim.has(1) ? int(one(dim, 1))! : text(one(dim, 2));
  });
  return { name: text(one(f, 1)), elemType: int(one(tensorType, 1))!, dims, doc: text(one(f, 3)) };
}

/** Reads an ONNX model file. */
export function readOnnx(bytes: Uint8Array): OnnxModel {
  const model = decode(bytes);
  const graph = decode(one(model, 7) as Uint8Array);
  const sub = (f: Fields, n: number) => all(f, n).map((v) => decode(v as Uint8Array));
  return {
    irVersion: int(one(model, 1))!,
    opsets: sub(model, 8).map((o) => ({ domain: text(one(o, 1)), version: int(one(o, 2))! })),
    producer: text(one(model, 2)),
    graphName: text(one(graph, 2)),
    doc: text(one(graph, 10)),
    nodes: sub(graph, 1).map((n) => ({
      op: text(one(n, 4)), inputs: all(n, 1).map(text), outputs: all(n, 2).map(text),
      attributes: Object.fromEntries(sub(n, 5).map(attributeOf)),
    })),
    initializers: sub(graph, 5).map(tensorOf),
    inputs: sub(graph, 11).map(valueInfoOf),
    outputs: sub(graph, 12).map(valueInfoOf),
    metadata: Object.fromEntries(sub(model, 14).map((e) => [text(one(e, 1)), text(one(e, 2))])),
  };
}
