import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElmanRNN, FeedForwardNetwork, fromBinary, fromJSON, rowBatch, sequenceBatch, toBinary, toJSON } from '../src/index.js';
import { BACKENDS } from './helpers/backends.js';

/*
 * Model files written by the build at f0d83aa (scripts/write-v1-fixtures.mjs),
 * before the recurrent layers were restructured. Every later build must load
 * them, predict what that build predicted, and save them back byte for byte.
 */
const dir = new URL('./fixtures/v1/', import.meta.url);
const predictions = JSON.parse(readFileSync(new URL('predictions.json', dir), 'utf8')) as Record<string, { inputs: number[][][] | number[][]; prediction: number[] }>;

describe('v1 model files', () => {
  for (const [name, expected] of Object.entries(predictions)) {
    const json = readFileSync(new URL(`${name}.json`, dir), 'utf8');
    const binary = new Uint8Array(readFileSync(new URL(`${name}.rnnk`, dir)));

    it(`${name}: JSON and binary load to the same model and save back byte for byte`, () => {
      const a = fromJSON(json), b = fromBinary(binary);
      expect(toJSON(a)).toBe(json);
      expect(Buffer.from(toBinary(b)).equals(Buffer.from(binary))).toBe(true);
      expect(a.parameters()).toEqual(b.parameters());
      expect(a.metadata).toEqual({ note: 'v1 fixture', case: name });
    });

    for (const backend of BACKENDS) {
      it(`${name}: predicts as the writing build did (${backend})`, () => {
        const saved = JSON.parse(json) as { dtype: string };
        if (saved.dtype === 'float64' && backend !== 'js') return; // float64 models run on js only
        const model = fromBinary(binary, { backend });
        // The writing build stored batch data in float32; batches now keep plain numbers in float64. Rounding the
        // inputs as it did gives a float64 model the very data it saw then.
        const rounded = JSON.parse(JSON.stringify(expected.inputs), (_, v) => (typeof v === 'number' ? Math.fround(v) : v));
        const y = model instanceof FeedForwardNetwork
          ? model.predict(rowBatch({ inputs: rounded as number[][] }))
          : (model as ElmanRNN).predict(sequenceBatch({ inputs: rounded as number[][][] }));
        expect(y.length).toBe(expected.prediction.length);
        const tolerance = saved.dtype === 'float64' ? 1e-15 : 2e-6;
        for (let i = 0; i < y.length; i++) expect(Math.abs(y[i]! - expected.prediction[i]!)).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected.prediction[i]!)));
        model.dispose();
      });
    }
  }
});
