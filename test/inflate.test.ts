import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inflate } from '../src/backend/inflate.js';
import { kernelModule } from '../src/backend/kernel-source.js';
import { decodeBase64 } from '../src/backend/wasm.js';
import { SIMD_WASM_BASE64 } from '../src/backend/wasm-bytes.generated.js';
import { Random } from '../src/model/random.js';

/** zlib is the oracle: whatever it deflates, inflate must give back byte for byte. */
function roundTrip(data: Uint8Array, options: { level?: number; strategy?: number } = {}): void {
  const compressed = deflateRawSync(data, options);
  expect(inflate(compressed, data.length)).toEqual(data);
}

describe('inflate (raw DEFLATE)', () => {
  const random = new Random(7);
  const noise = Uint8Array.from({ length: 70_000 }, () => random.int(256));
  // Text-like data with long repeats: long matches, far distances, dynamic codes.
  const words = ['kernel', 'matmul', 'tanh', 'sigmoid', 'f32x4', 'arena', ' ', '\n'];
  const text = new TextEncoder().encode(Array.from({ length: 20_000 }, () => words[random.int(words.length)]).join(''));

  it('stored blocks (level 0), fixed and dynamic Huffman blocks, at every strategy', () => {
    roundTrip(noise, { level: 0 });
    roundTrip(noise);
    roundTrip(new Uint8Array([1, 2, 3]), { strategy: constants.Z_FIXED });
    roundTrip(text, { strategy: constants.Z_FIXED });
    for (const strategy of [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE]) {
      roundTrip(text, { level: 9, strategy });
    }
    roundTrip(new Uint8Array(100_000).fill(42)); // one long run: distance 1, length 258
    roundTrip(new Uint8Array(0));
  });

  it('the embedded kernels come out as the SIMD build', () => {
    const simd = decodeBase64(SIMD_WASM_BASE64);
    const module = kernelModule('simd');
    expect(WebAssembly.Module.exports(module)).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(simd as BufferSource)));
  });

  it('refuses truncated or wrong-length input', () => {
    const compressed = deflateRawSync(text);
    expect(() => inflate(compressed.subarray(0, compressed.length >> 1), text.length)).toThrow(/inflate: /);
    expect(() => inflate(compressed, text.length - 1)).toThrow(/inflate: more output than expected/);
    expect(() => inflate(compressed, text.length + 1)).toThrow(/inflate: .* bytes out, expected/);
    expect(() => inflate(new Uint8Array([0xff]), 1)).toThrow(/inflate: invalid block type/);
  });
});
