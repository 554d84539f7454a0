import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readmeSection, runBlock } from './helpers/readme.js';

/*
 * The README's section on PyTorch interop, run as written against the built
 * package (rnnkit and rnnkit/safetensors), then what it claims is checked.
 * Its files come through a node:fs of this test's: book.txt is
 * test/fixtures/safetensors/readme/book.txt; chars-tuned.safetensors is what
 * the section's Python wrote when scripts/torch-safetensors-fixtures.py ran
 * its blocks as written (the DDP one under torchrun, two processes) on the
 * file the first block writes; plain.safetensors a file PyTorch wrote with no
 * rnnkit metadata (test/safetensors-torch.test.ts checks its numbers).
 */
const load = createRequire(import.meta.url);
const rnnkit = load('../dist/index.cjs');
const safetensors = load('../dist/safetensors.cjs');
const fixtures = new URL('./fixtures/safetensors/', import.meta.url);
const { section, blocks } = readmeSection('## PyTorch interop: safetensors');

/** A node:fs that reads the given files by name and keeps what is written. */
function files(read: Record<string, URL>) {
  const written: Record<string, Uint8Array> = {};
  return {
    written,
    fs: {
      readFileSync: (path: string, encoding?: BufferEncoding) => {
        if (!(path in read)) throw new Error(`the README block read ${path}`);
        return fs.readFileSync(read[path]!, encoding);
      },
      writeFileSync: (path: string, data: Uint8Array) => { written[path] = data; },
    },
  };
}

const header = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; shape: number[] }>;
};

const book = new URL('readme/book.txt', fixtures);

describe('README: PyTorch interop: safetensors', () => {
  it('has the three TypeScript examples and the two Python ones', () => {
    expect(blocks).toHaveLength(3);
    expect([...section.matchAll(/```python\n/g)]).toHaveLength(2);
  });

  it('trains a character model and writes chars.safetensors: 28 kB, PyTorch\'s names, the vocabulary in the metadata', () => {
    const { fs: stand, written } = files({ 'book.txt': book });
    const { model, vocabulary } = runBlock(blocks[0]!, '{ model, vocabulary }', { 'node:fs': stand }) as Record<string, any>;
    const bytes = written['chars.safetensors']!;
    expect(Math.round(bytes.length / 1000)).toBe(28);
    const names = Object.keys(header(bytes)).filter((k) => k !== '__metadata__');
    expect(names[0]).toBe('embedding.weight');
    expect(names[1]).toBe('rnn.weight_ih_l0');
    expect(names.at(-1)).toBe('head.bias');
    const loaded = safetensors.fromSafetensors(bytes);
    expect(loaded.metadata).toEqual({ vocabulary: vocabulary.toJSON() });
    expect(loaded.parameters()).toEqual(model.parameters());
    // The model learned something in its three epochs: better than a uniform guess over the vocabulary.
    const { batch } = rnnkit.textStreams(fs.readFileSync(book, 'utf8'), { streams: 8, vocabulary, inputs: 'tokens' });
    expect(rnnkit.measure(model, batch).bitsPerSymbol).toBeLessThan(Math.log2(vocabulary.size) - 0.5);
  }, 60_000);

  it('the Python blocks are the ones that wrote chars-tuned.safetensors (scripts/torch-safetensors-fixtures.py)', () => {
    const record = JSON.parse(fs.readFileSync(new URL('readme/python-blocks.json', fixtures), 'utf8')) as { sha256: string[] };
    const python = [...section.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => createHash('sha256').update(m[1]!).digest('hex'));
    expect(python, 'the README\'s Python changed: run scripts/torch-safetensors-fixtures.py again').toEqual(record.sha256);
    // What PyTorch wrote: rnnkit_torch's header (its own JSON, the rnnkit description kept), float32 tensors.
    const tuned = header(new Uint8Array(fs.readFileSync(new URL('readme/chars-tuned.safetensors', fixtures))));
    expect(new Set(Object.entries(tuned).filter(([k]) => k !== '__metadata__').map(([, v]) => v.dtype))).toEqual(new Set(['F32']));
    expect(JSON.parse((tuned.__metadata__ as unknown as { rnnkit: string }).rnnkit).metadata.vocabulary)
      .toEqual(rnnkit.Vocabulary.fromText(fs.readFileSync(book, 'utf8')).toJSON());
  });

  it('loads what PyTorch trained, writes text with it, fine-tunes it and saves it for PyTorch again', () => {
    const tunedFile = new URL('readme/chars-tuned.safetensors', fixtures);
    const { fs: stand } = files({ 'chars-tuned.safetensors': tunedFile });
    const { tuned, line, vocabulary, again } = runBlock(blocks[1]!, '{ tuned, line, vocabulary, again }', { 'node:fs': stand }) as Record<string, any>;
    expect(tuned).toBeInstanceOf(rnnkit.RecurrentNetwork);
    expect(tuned.dtype).toBe('float32');
    expect(vocabulary.symbols).toEqual(rnnkit.Vocabulary.fromText(fs.readFileSync(book, 'utf8')).toJSON());
    expect(typeof line).toBe('string');
    expect(line.length).toBeGreaterThan(0);
    expect(line.endsWith('.') || Array.from(line as string).length === 40).toBe(true);
    expect(Array.from(line as string).every((c) => vocabulary.has(c))).toBe(true);
    // The fine-tuning moved the weights away from PyTorch's, and the bytes for PyTorch carry them.
    const fromPyTorch = safetensors.fromSafetensors(fs.readFileSync(tunedFile));
    expect(tuned.getParameter('W_rec_l0')).not.toEqual(fromPyTorch.getParameter('W_rec_l0'));
    expect(safetensors.fromSafetensors(again).parameters()).toEqual(tuned.parameters());
  }, 60_000);

  it('reads a plain PyTorch file with the config given, the rest from the shapes, as the comment says', () => {
    const { fs: stand } = files({ 'plain.safetensors': new URL('from-torch/plain-lstm-2layer-embedding-ce.safetensors', fixtures) });
    const { plain } = runBlock(blocks[2]!, '{ plain }', { 'node:fs': stand }) as Record<string, any>;
    expect(plain.config).toMatchObject({ cell: 'lstm', inputSize: 1, vocabularySize: 7, embeddingSize: 4, hiddenSize: 5, numLayers: 2, output: 'softmax' });
    expect(section).toContain("plain.config; // { cell: 'lstm', inputSize: 1, vocabularySize: 7, embeddingSize: 4, hiddenSize: 5, numLayers: 2, … }");
  });

  it('the error it quotes is the one a GRU\'s file gets when its metadata says LSTM', () => {
    const quoted = /e\.g\. `(fromSafetensors: tensor[^`]*)`/.exec(section)![1]!.replace(/\s+/g, ' ');
    const gru = new rnnkit.RecurrentNetwork({ cell: 'gru', vocabularySize: 30, embeddingSize: 8, hiddenSize: 32, outputSize: 30, output: 'softmax' });
    const bytes = safetensors.toSafetensors(gru) as Uint8Array;
    const h = header(bytes) as Record<string, any>;
    const document = JSON.parse(h.__metadata__.rnnkit);
    document.config.cell = 'lstm';
    h.__metadata__.rnnkit = JSON.stringify(document);
    const text = new TextEncoder().encode(JSON.stringify(h));
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const edited = new Uint8Array(8 + text.length + bytes.length - 8 - n);
    new DataView(edited.buffer).setBigUint64(0, BigInt(text.length), true);
    edited.set(text, 8);
    edited.set(bytes.subarray(8 + n), 8 + text.length);
    expect(() => safetensors.fromSafetensors(edited)).toThrow(quoted);
  });
});
