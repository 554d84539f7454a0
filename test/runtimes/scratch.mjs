// A scratch project that installs the packed tarball, as a user's project would.
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.mjs';

const here = new URL('.', import.meta.url).pathname;

/** `npm pack` in the repository, then `npm install <tarball>` in a new directory with the probes beside it. */
export async function scratchProject(repo) {
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-runtimes-'));
  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: repo });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = join(dir, JSON.parse(packed.stdout)[0].filename);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rnnkit-runtime-check', private: true }, null, 2));
  const started = performance.now();
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: dir });
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed: ${installed.stderr}`);
  for (const file of readdirSync(join(here, 'probes'))) copyFileSync(join(here, 'probes', file), join(dir, file));
  copyFileSync(join(here, 'job.mjs'), join(dir, 'job.mjs'));
  return { dir, tarball, installMs: performance.now() - started };
}
