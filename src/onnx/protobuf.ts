/**
 * A protobuf writer with as much of the wire format as an ONNX file needs:
 * varints (wire type 0: int32, int64, enums), length-delimited fields (wire
 * type 2: strings, bytes, embedded messages) and 32-bit floats (wire type 5,
 * little-endian). Fields go out in the order they are written; a repeated
 * scalar is one field per value (unpacked, as proto2 declares ONNX's `dims`
 * and `ints`). An embedded message keeps its chunks, so the bytes are copied
 * once, by finish().
 */
const utf8 = new TextEncoder();

/** A varint's bytes. A negative value is written as its 64-bit two's complement (ten bytes), as protobuf's int64 is. */
function varint(value: number): Uint8Array {
  const out: number[] = [];
  if (value >= 0) {
    for (; value >= 128; value = Math.floor(value / 128)) out.push((value % 128) | 128);
    out.push(value);
  } else {
    let n = BigInt.asUintN(64, BigInt(value));
    for (; n >= 128n; n >>= 7n) out.push(Number(n & 127n) | 128);
    out.push(Number(n));
  }
  return Uint8Array.from(out);
}

/** One protobuf message being written. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes written so far. */
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private key(field: number, wireType: number): void {
    this.push(varint(field * 8 + wireType));
  }

  /** An integer or enum field (an integral number, |value| < 2^53). */
  int(field: number, value: number): this {
    this.key(field, 0);
    this.push(varint(value));
    return this;
  }

  /** A float field. */
  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  /** A bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.push(varint(value.length));
    this.push(value);
    return this;
  }

  /** A string field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** An embedded message. */
  message(field: number, value: ProtoWriter): this {
    this.key(field, 2);
    this.push(varint(value.size));
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}
