import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeSection, runBlockAsync } from './helpers/readme.js';

/*
 * The README's section on ONNX export runs as written against the built
 * package (rnnkit and rnnkit/onnx) and onnxruntime-node, then what its
 * comments claim is checked. Its browser example (a js block) is what the
 * Chromium case of test/runtimes runs.
 */
const { section, blocks } = readmeSection('## Exporting to ONNX (rnnkit/onnx)');
const dir = fs.mkdtempSync(join(tmpdir(), 'rnnkit-readme-onnx-'));
const files = { ...fs, writeFileSync: (path: string, data: Uint8Array) => fs.writeFileSync(join(dir, path), data) };

type Tensor = { data: Float32Array; dims: number[] };

describe('README: Exporting to ONNX', () => {
  it('has the two examples run here, and the page example', () => {
    expect(blocks).toHaveLength(2);
    expect(section).toContain("```js\nimport * as ort from 'onnxruntime-web';");
  });

  let first: Record<string, any>;
  it('exports a trained LSTM; onnxruntime-node gives predict\'s outputs and the final state', async () => {
    first = await runBlockAsync(blocks[0]!, '', '{ model, batch, bytes, y, hn, cn }', { 'node:fs': files });
    const { model, batch, bytes, y, hn, cn } = first as { model: any; batch: any; bytes: Uint8Array; y: Tensor; hn: Tensor; cn: Tensor };
    expect(new Uint8Array(fs.readFileSync(join(dir, 'model.onnx')))).toEqual(bytes);
    const want = model.predict(batch) as Float32Array;
    expect(y.dims).toEqual([2, 3, 1]);
    y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6));
    expect(hn.dims).toEqual([2, 2, 16]);
    expect(cn.dims).toEqual([2, 2, 16]);
    // The model learned something: the loss fell well below the untrained model's.
    expect(model.evaluate(batch)).toBeLessThan(0.05);
  });

  it('with initialStates, the state fed back gives RnnStepper\'s outputs step by step', async () => {
    // The block's `model` is the first block's LSTM; its loop is re-run here to collect both columns of its comments.
    const collect = blocks[1]!.replace(/^ {2}out\.y\.data\[0\];.*$/m, '  onnx.push(out.y.data[0]);').replace(/^ {2}stepper\.step\(step\)\[0\];.*$/m, '  rnnkit.push(stepper.step(step)[0]);');
    expect(collect).not.toBe(blocks[1]);
    const { onnx, rnnkit } = await runBlockAsync(collect, "const { model } = require('first'); const onnx = [], rnnkit = [];", '{ onnx, rnnkit }', { first });
    expect(onnx).toHaveLength(3);
    (onnx as number[]).forEach((v, i) => expect(Math.abs(v - (rnnkit as number[])[i]!)).toBeLessThan(1e-6));
  });
});
