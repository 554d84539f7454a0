import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The scratch project is a user's: it gets none of this repository's npm
 * configuration. (`npm test` hands .npmrc's onnxruntime-node-install to its
 * children as npm_config_onnxruntime_node_install, and npm 11 warns on stderr
 * about a key it does not know.)
 */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.toLowerCase() !== 'npm_config_onnxruntime_node_install'));

/* What the published package carries: the license its package.json names, beside the README. */
describe('the npm package', () => {
  it('ships the MIT LICENSE that package.json declares', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string };
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n/);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' })) as { files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
  });

  it('installed from its tarball, `npx rnnkit demo` runs the demo: real training with progress, exit code 0, the loss curves written', () => {
    if (!existsSync('dist/cli/main.js')) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does)');
    const dir = mkdtempSync(join(tmpdir(), 'rnnkit-installed-'));
    try {
      const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { encoding: 'utf8' })) as { filename: string }[];
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'rnnkit-user', private: true }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--offline', join(dir, packed[0]!.filename)], { cwd: dir, encoding: 'utf8', env: userEnv });
      const npx = (...args: string[]) => spawnSync('npx', ['--no', 'rnnkit', ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000, env: userEnv });
      const help = npx('demo', '--help');
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^usage: rnnkit demo\n/);
      const wrong = npx('demo', '--fast');
      expect(wrong.status).toBe(2);
      expect(wrong.stderr.split('\n')[0]).toBe("rnnkit demo: Unknown option '--fast'");
      const demo = npx('demo');
      expect(demo.status, demo.stderr).toBe(0);
      expect(demo.stdout).toMatch(/^backend: wasm-simd$/m);
      // Progress (plain lines in a pipe): epochs with their loss per step and their own time.
      expect(demo.stdout.match(/^ {2}epoch +\d+\/10 {2}loss per step [\d.]+ {2}[\d.]+ s {2}MSE [\d.]+$/gm)).toHaveLength(3 * 5);
      expect(demo.stdout.match(/^ {2}after \d+ steps \([\d.]+ s\): /gm)).toHaveLength(4); // the Elman RNN, LSTM and GRU, then the Reber model
      expect(demo.stdout).toMatch(/LSTM and GRU learned the adding problem at lag 100 and the Reber model beat its baseline\.\n$/);
      expect(readFileSync(join(dir, 'rnnkit-demo-loss.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
