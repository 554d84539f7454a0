import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ONLINE_KERNELS_DEFLATE_BASE64 } from '../src/backend/wasm-bytes.generated.js';

/*
 * What an app's bundler keeps of rnnkit. The size budget (`npm run size`)
 * caps a typical import — ElmanRNN, sequenceBatch and train after
 * tree-shaking — at 35 kB min+gzip; the online gradient algorithms stay out
 * of it by being factories that bring their own code (rtrl(), snap(),
 * uoro(): their façades, JS kernels and the online kernels' wasm module;
 * docs/online-algorithms.md). Checked here two ways: which source
 * files esbuild keeps (its metafile), and what the built dist/index.js gives
 * an app that imports from it.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const TYPICAL = 'ElmanRNN, sequenceBatch, train';

/** The online kernels' wasm module (assembly/online.ts, embedded deflated) and its loader: every online algorithm brings them. */
const ONLINE_MODULE_FILES = ['src/backend/attach-kernels.ts', 'src/backend/online-kernel-source.ts'];
/** A piece of the online module's embedded bytes, to look for in a built bundle. */
const ONLINE_BYTES = ONLINE_KERNELS_DEFLATE_BASE64.slice(100, 160);

/** Each online algorithm's façade and JS kernels: what only an app that imports the factory may carry. */
const ONLINE_ALGORITHMS: Record<string, { factory: string; files: string[]; marker: string }> = {
  rtrl: { factory: 'rtrl', files: ['src/train/rtrl.ts', 'src/kernels/js/rtrl.ts', ...ONLINE_MODULE_FILES], marker: 'RTRL would need' },
  snap: { factory: 'snap', files: ['src/train/snap.ts', 'src/kernels/js/snap.ts', ...ONLINE_MODULE_FILES], marker: 'SnAp-1 would need' },
  uoro: { factory: 'uoro', files: ['src/train/uoro.ts', 'src/kernels/js/uoro.ts', ...ONLINE_MODULE_FILES], marker: 'uoro options' },
};

/** The source files esbuild keeps (bytes > 0 in the minified output) for `export { names } from 'rnnkit'`. */
async function keptSources(names: string): Promise<Map<string, number>> {
  const result = await build({
    stdin: { contents: `export { ${names} } from './src/index.ts';`, resolveDir: root, loader: 'ts' },
    absWorkingDir: root, bundle: true, minify: true, write: false, metafile: true, format: 'esm', platform: 'neutral', logLevel: 'error',
  });
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
  return new Map(Object.entries(inputs).filter(([, v]) => v.bytesInOutput > 0).map(([file, v]) => [file, v.bytesInOutput]));
}

/** The minified bundle an app gets from the built default entry for `export { names } from 'rnnkit'`. */
async function builtBundle(names: string): Promise<string> {
  const result = await build({
    stdin: { contents: `export { ${names} } from './dist/index.js';`, resolveDir: root, loader: 'js' },
    bundle: true, minify: true, write: false, format: 'esm', platform: 'neutral', logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

describe('a typical import carries no online gradient algorithm', () => {
  it(`export { ${TYPICAL} }: neither an algorithm's façade nor its JS kernels (esbuild's metafile of the sources)`, async () => {
    const typical = await keptSources(TYPICAL);
    expect(typical.has('src/train/train.ts')).toBe(true); // the analysis sees the sources it should
    for (const [name, { factory, files }] of Object.entries(ONLINE_ALGORITHMS)) {
      expect(files.filter((f) => typical.has(f)), `${name} in a typical import`).toEqual([]);
      // And they are there as soon as the app imports the factory: the test measures something.
      const using = await keptSources(`${TYPICAL}, ${factory}`);
      expect(files.filter((f) => !using.has(f)), `${name} missing when ${factory} is imported`).toEqual([]);
    }
    // The same for computeGradients and the TBPTT it builds in.
    const gradients = await keptSources('RecurrentNetwork, createSequenceBatch, computeGradients, trainAsync');
    for (const { files } of Object.values(ONLINE_ALGORITHMS)) expect(files.filter((f) => gradients.has(f))).toEqual([]);
  }, 30_000);

  it.skipIf(!existsSync(`${root}dist/index.js`))(`and the built entry (dist/index.js) gives an app that imports ${TYPICAL} none of it`, async () => {
    const typical = await builtBundle(TYPICAL);
    for (const [name, { factory, marker }] of Object.entries(ONLINE_ALGORITHMS)) {
      expect(typical.includes(marker), `${name}'s code in a typical import of dist/index.js`).toBe(false);
      const using = await builtBundle(`${TYPICAL}, ${factory}`);
      expect(using.includes(marker), `${name}'s code when ${factory} is imported`).toBe(true);
      expect(using.includes(ONLINE_BYTES), `the online kernels' module when ${factory} is imported`).toBe(true);
    }
    expect(typical.includes(ONLINE_BYTES), 'the online kernels\' module in a typical import').toBe(false);
  }, 30_000);
});
