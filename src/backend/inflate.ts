/**
 * Raw DEFLATE (RFC 1951) decompression, synchronous and small, after Mark
 * Adler's puff.c. The default entry embeds both kernel builds deflated as one
 * stream: they share most of their code, so together they compress to about
 * half of what the two base64 strings cost after gzip, and the bundle stays
 * within its size budget. Speed hardly matters here: it runs once, on ~50 KB.
 */

/** A canonical Huffman code: how many codes of each length, and the symbols in code order. */
interface Huffman {
  counts: Uint16Array;
  symbols: Uint16Array;
}

/**
 * RFC 1951 §3.2.5's length and distance codes, computed rather than listed:
 * code i has extra(i) extra bits, and its base is where the previous code's
 * range ends. Lengths: extra 0 for codes 0–7, then one more every four
 * codes; code 28 is 258 exactly. Distances: extra 0 for codes 0–3, then one
 * more every two codes.
 */
const LENGTH_EXTRA: number[] = [], LENGTH_BASE: number[] = [], DISTANCE_EXTRA: number[] = [], DISTANCE_BASE: number[] = [];
for (let i = 0, length = 3, distance = 1; i < 30; i++) {
  LENGTH_EXTRA.push(i < 8 || i === 28 ? 0 : (i - 4) >> 2);
  LENGTH_BASE.push(i === 28 ? 258 : length);
  length += 1 << LENGTH_EXTRA[i]!;
  DISTANCE_EXTRA.push(i < 4 ? 0 : (i - 2) >> 1);
  DISTANCE_BASE.push(distance);
  distance += 1 << DISTANCE_EXTRA[i]!;
}
/** The order in which a dynamic block sends the code lengths of its code-length code (§3.2.7). */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function huffman(lengths: ArrayLike<number>): Huffman {
  const counts = new Uint16Array(16);
  for (let i = 0; i < lengths.length; i++) counts[lengths[i]!]!++;
  counts[0] = 0;
  const offsets = new Uint16Array(16);
  for (let len = 1; len < 16; len++) offsets[len] = offsets[len - 1]! + counts[len - 1]!;
  const symbols = new Uint16Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) if (lengths[i]) symbols[offsets[lengths[i]!]!++] = i;
  return { counts, symbols };
}

/** The fixed codes of block type 1 (§3.2.6). */
function fixedCodes(): [Huffman, Huffman] {
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  return [huffman(lengths), huffman(new Uint8Array(30).fill(5))];
}

/** Decompresses `input` into exactly `outputLength` bytes; throws on a malformed stream. */
export function inflate(input: Uint8Array, outputLength: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(outputLength);
  let written = 0;
  let read = 0;
  let bitBuffer = 0;
  let bitCount = 0;

  const bits = (n: number): number => {
    while (bitCount < n) {
      if (read >= input.length) throw new Error('inflate: the compressed kernels end early');
      bitBuffer |= input[read++]! << bitCount;
      bitCount += 8;
    }
    const value = bitBuffer & ((1 << n) - 1);
    bitBuffer >>>= n;
    bitCount -= n;
    return value;
  };

  // Codes are sent most significant bit first, one bit at a time (§3.1.1).
  const decode = (h: Huffman): number => {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len++) {
      code |= bits(1);
      const count = h.counts[len]!;
      if (code - first < count) return h.symbols[index + code - first]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Error('inflate: bad Huffman code');
  };

  const put = (byte: number): void => {
    if (written >= outputLength) throw new Error('inflate: more output than expected');
    out[written++] = byte;
  };

  let last = 0;
  while (!last) {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: byte-aligned LEN, NLEN, then LEN raw bytes.
      bitBuffer = 0;
      bitCount = 0;
      const length = input[read]! | (input[read + 1]! << 8);
      read += 4;
      if (read + length > input.length) throw new Error('inflate: the compressed kernels end early');
      for (let i = 0; i < length; i++) put(input[read++]!);
      continue;
    }
    let literals: Huffman;
    let distances: Huffman;
    if (type === 1) {
      [literals, distances] = fixedCodes();
    } else if (type === 2) {
      const literalCount = bits(5) + 257;
      const distanceCount = bits(5) + 1;
      const codeLengthCount = bits(4) + 4;
      const codeLengthLengths = new Uint8Array(19);
      for (let i = 0; i < codeLengthCount; i++) codeLengthLengths[CODE_LENGTH_ORDER[i]!] = bits(3);
      const codeLengths = huffman(codeLengthLengths);
      const lengths = new Uint8Array(literalCount + distanceCount);
      for (let i = 0; i < lengths.length;) {
        const symbol = decode(codeLengths);
        if (symbol < 16) { lengths[i++] = symbol; continue; }
        if (symbol === 16 && i === 0) throw new Error('inflate: repeat with no previous length');
        // 16 repeats the previous length 3–6 times; 17 and 18 repeat zero 3–10 and 11–138 times.
        const [value, repeat] = symbol === 16 ? [lengths[i - 1]!, 3 + bits(2)] : symbol === 17 ? [0, 3 + bits(3)] : [0, 11 + bits(7)];
        if (i + repeat > lengths.length) throw new Error('inflate: too many code lengths');
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      literals = huffman(lengths.subarray(0, literalCount));
      distances = huffman(lengths.subarray(literalCount));
    } else {
      throw new Error('inflate: invalid block type');
    }
    for (;;) {
      const symbol = decode(literals);
      if (symbol < 256) { put(symbol); continue; }
      if (symbol === 256) break;
      // The length's extra bits come before the distance code.
      const l = symbol - 257;
      if (l >= 29) throw new Error('inflate: invalid length code');
      const length = LENGTH_BASE[l]! + bits(LENGTH_EXTRA[l]!);
      const d = decode(distances);
      if (d >= 30) throw new Error('inflate: invalid distance code');
      const distance = DISTANCE_BASE[d]! + bits(DISTANCE_EXTRA[d]!);
      if (distance > written) throw new Error('inflate: distance before the start of the output');
      for (let i = 0; i < length; i++) put(out[written - distance]!);
    }
  }
  if (written !== outputLength) throw new Error(`inflate: ${written} bytes out, expected ${outputLength}`);
  return out;
}
