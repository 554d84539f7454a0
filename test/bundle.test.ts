import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { KERNELS_DEFLATE_BASE64, ONLINE_KERNELS_DEFLATE_BASE64 } from '../src/backend/wasm-bytes.generated.js';

/*
 * What an app's bundler keeps of rnnkit. The size budget (`npm run size`)
 * caps the whole rnnkit entry at 64 kB min+gzip and a typical import
 * (ElmanRNN, sequenceBatch, train) at 35 kB. The online gradient algorithms
 * and the OnlineLearner are the rnnkit/online entry, with their own wasm
 * kernels (assembly/online.ts), so that rnnkit carries none of them; and
 * rnnkit/online imports the models from 'rnnkit', so that it carries no copy
 * of them (docs/online-algorithms.md). Checked two ways: which source files
 * esbuild keeps (its metafile), and what the built dist/ files hold.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

/** Each online algorithm's façade and JS kernels, and a string only its code holds. */
const ONLINE_ALGORITHMS: Record<string, { files: string[]; marker: string }> = {
  rtrl: { files: ['src/train/rtrl.ts', 'src/kernels/js/rtrl.ts'], marker: 'RTRL would need' },
  snap: { files: ['src/train/snap.ts', 'src/kernels/js/snap.ts'], marker: 'SnAp-1 would need' },
  uoro: { files: ['src/train/uoro.ts', 'src/kernels/js/uoro.ts'], marker: 'uoro options' },
};
/** The rest of rnnkit/online: the learner, the stream helper, the online kernels' module and its loader. */
const ONLINE_FILES = ['src/train/online.ts', 'src/train/layers.ts', 'src/data/stream.ts', 'src/backend/attach-kernels.ts', 'src/backend/online-kernel-source.ts'];
/** What rnnkit/online must take from 'rnnkit', never bundle: the models, the backends, the core kernels and the optimizers. */
const CORE_FILES = [
  'src/model/recurrent/model.ts', 'src/model/network.ts', 'src/model/rnn.ts', 'src/backend/index.ts', 'src/backend/kernel-source.ts', 'src/kernels/js/index.ts',
  'src/train/train.ts', 'src/train/optimizer.ts',
];
/** Pieces of the two modules' embedded bytes, to look for in a built bundle. */
const CORE_BYTES = KERNELS_DEFLATE_BASE64.slice(100, 160), ONLINE_BYTES = ONLINE_KERNELS_DEFLATE_BASE64.slice(100, 160);

/** The source files esbuild keeps (bytes > 0 in the minified output) for an entry's source, 'rnnkit' left to the app. */
async function keptSources(contents: string): Promise<Map<string, number>> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    absWorkingDir: root, bundle: true, minify: true, write: false, metafile: true, format: 'esm', platform: 'neutral', logLevel: 'error',
    external: ['rnnkit'],
  });
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
  return new Map(Object.entries(inputs).filter(([, v]) => v.bytesInOutput > 0).map(([file, v]) => [file, v.bytesInOutput]));
}

const onlineFiles = [...Object.values(ONLINE_ALGORITHMS).flatMap((a) => a.files), ...ONLINE_FILES];

describe('rnnkit carries no online algorithm; rnnkit/online carries no copy of rnnkit', () => {
  it('esbuild\'s metafile: everything src/index.ts exports keeps none of rnnkit/online\'s files; rnnkit/online keeps them all and none of the core\'s', async () => {
    const core = await keptSources("export * from './src/index.ts';");
    expect(core.has('src/train/train.ts')).toBe(true); // the analysis sees the sources it should
    expect(onlineFiles.filter((f) => core.has(f)), 'online code in rnnkit').toEqual([]);
    const online = await keptSources("export * from './src/train/online-entry.ts';");
    expect(onlineFiles.filter((f) => !online.has(f)), 'online code missing from rnnkit/online').toEqual([]);
    expect(CORE_FILES.filter((f) => online.has(f)), 'a copy of rnnkit in rnnkit/online').toEqual([]);
  }, 30_000);

  it.skipIf(!existsSync(`${root}dist/online.js`))('the built files: dist/index.js holds no online code or kernels; dist/online.js holds all of them, imports rnnkit and embeds none of its kernels', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const core = readFileSync(`${root}${file}`, 'utf8');
      for (const [name, { marker }] of Object.entries(ONLINE_ALGORITHMS)) expect(core.includes(marker), `${name}'s code in ${file}`).toBe(false);
      expect(core.includes(ONLINE_BYTES), `the online kernels in ${file}`).toBe(false);
      expect(core.includes(CORE_BYTES), `the core kernels in ${file}`).toBe(true);
    }
    for (const file of ['dist/online.js', 'dist/online.cjs']) {
      const online = readFileSync(`${root}${file}`, 'utf8');
      for (const [name, { marker }] of Object.entries(ONLINE_ALGORITHMS)) expect(online.includes(marker), `${name}'s code in ${file}`).toBe(true);
      expect(online.includes(ONLINE_BYTES), `the online kernels in ${file}`).toBe(true);
      expect(online.includes(CORE_BYTES), `the core kernels in ${file}`).toBe(false);
      expect(online).toMatch(file.endsWith('.cjs') ? /require\(['"]rnnkit['"]\)/ : /from ['"]rnnkit['"]/);
    }
  });
});
