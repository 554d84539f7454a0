// The benchmark runner's own logic, without timing anything: the nominal FLOPs
// it divides by, the --compare verdicts, and its refusal of bad options.
// (Speed itself is measured by `npm run bench`, never asserted here.)
import { describe, expect, it, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const runner = join(__dirname, '..', 'bench', 'run.mjs');
const bench = (...args: string[]) => spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8' });
const scratch = mkdtempSync(join(tmpdir(), 'rnnkit-bench-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bench/run.mjs', () => {
  it('lists the workloads with the nominal FLOPs of BENCHMARKS.md', () => {
    const r = bench('--list');
    expect(r.status).toBe(0);
    const mflop = (name: string) => Number(new RegExp(`^${name} .*?([0-9.]+) MFLOP$`, 'm').exec(r.stdout)?.[1]);
    // train 6·B·T·(rp + r² + or), inference a third of it, RTRL 2·B·T·r²·(rp + r² + r).
    expect(mflop('S train')).toBeCloseTo((6 * 16 * 32 * (64 * 16 + 64 * 64 + 16 * 64)) / 1e6, 1);
    expect(mflop('M train')).toBeCloseTo((6 * 32 * 64 * (128 * 64 + 128 * 128 + 64 * 128)) / 1e6, 1);
    expect(mflop('L inference')).toBeCloseTo((2 * 32 * 128 * (256 * 128 + 256 * 256 + 128 * 256)) / 1e6, 1);
    expect(mflop('S RTRL train')).toBeCloseTo((2 * 16 * 32 * 64 * 64 * (64 * 16 + 64 * 64 + 64)) / 1e6, 1);
    expect(mflop('M TBPTT train')).toBeCloseTo((6 * 32 * 1024 * (128 * 64 + 128 * 128 + 64 * 128)) / 1e6, 1);
  });

  it('lists the online workloads: a forward step and a SnAp-1 learn() step at S and M, Elman and LSTM', () => {
    const r = bench('--list');
    expect(r.status).toBe(0);
    const mflop = (name: string) => Number(new RegExp(`^${name} \\(.*?([0-9.]+) MFLOP$`, 'm').exec(r.stdout)?.[1]);
    // Forward step 2·B·(G·r·p + G·r² + o·r); the online step adds 4·B·o·r (output layer), the SnAp-1 traces and
    // gradient (5 FLOPs per parameter and stream, 12 for the LSTM's pair) over n = G·r·(p + r + 1), and 2 per parameter (SGD).
    const online = (p: number, r: number, o: number, B: number, G: number) => {
      const n = G * r * (p + r + 1);
      return (2 * B * (G * r * p + G * r * r + o * r) + 4 * B * o * r + (G === 4 ? 12 : 5) * B * n + 2 * (n + o * r + o)) / 1e6;
    };
    expect(mflop('S forward step')).toBeCloseTo((2 * 16 * (64 * 16 + 64 * 64 + 16 * 64)) / 1e6, 3);
    expect(mflop('M LSTM forward step')).toBeCloseTo((2 * 32 * (4 * 128 * 64 + 4 * 128 * 128 + 64 * 128)) / 1e6, 3);
    expect(mflop('S online SnAp-1')).toBeCloseTo(online(16, 64, 16, 16, 1), 3);
    expect(mflop('M online SnAp-1')).toBeCloseTo(online(64, 128, 64, 32, 1), 3);
    expect(mflop('S LSTM online SnAp-1')).toBeCloseTo(online(16, 64, 16, 16, 4), 3);
    expect(mflop('M LSTM online SnAp-1')).toBeCloseTo(online(64, 128, 64, 32, 4), 1);
  });

  it('--quick runs an online step and its forward step, and every workload it names exists', async () => {
    const { QUICK, WORKLOADS } = await import(pathToFileURL(join(__dirname, '..', 'bench', 'lib', 'workloads.mjs')).href);
    expect(QUICK).toEqual(expect.arrayContaining(['S online SnAp-1', 'S forward step']));
    for (const name of QUICK) expect(WORKLOADS[name], name).toBeDefined();
  });

  it('--compare gives new ÷ old per workload and says which changes exceed the noise', () => {
    const machine = { cpu: 'test cpu', cpuFlags: [], cores: 2, memoryGiB: 1, os: 'test', runtime: 'Node', v8: '0' };
    const cell = (id: string, label: string, medianMs: number, madMs: number) => ({
      id, label, timing: { medianMs, madMs, minMs: medianMs * 0.5, maxMs: medianMs * 3 },
    });
    const run = (date: string, cells: object[]) => ({ date, machine, workloads: [{ name: 'M train', cells }] });
    const oldFile = join(scratch, 'old.json'), newFile = join(scratch, 'new.json');
    writeFileSync(oldFile, JSON.stringify(run('then', [
      cell('rnnkit-wasm-simd', 'rnnkit wasm-simd', 10, 0.1),
      cell('rnnkit-js', 'rnnkit js', 100, 2),
      cell('tfjs-wasm-ops', 'tfjs wasm', 170, 5),
    ])));
    writeFileSync(newFile, JSON.stringify(run('now', [
      cell('rnnkit-wasm-simd', 'rnnkit wasm-simd', 8, 0.1), // 20 % faster, far beyond 0.2 ms of MADs
      cell('rnnkit-js', 'rnnkit js', 103, 2), //            3 ms apart, within 4 ms of MADs
      cell('tfjs-wasm-ops', 'tfjs wasm', 200, 5), //        slower
    ])));
    const r = bench('--compare', oldFile, newFile);
    expect(r.status).toBe(0);
    const row = (label: string) => r.stdout.split('\n').find((l) => l.includes(`| ${label} `)) ?? '';
    expect(row('rnnkit wasm-simd')).toMatch(/0\.800× \| faster/);
    expect(row('rnnkit js')).toMatch(/1\.030× \| within noise/);
    expect(row('tfjs wasm')).toMatch(/1\.176× \| slower/);
  });

  it('refuses unknown options, workloads, backends and peers, naming them', () => {
    for (const [args, said] of [
      [['--fast'], 'unknown option --fast'],
      [['--workloads=XL train'], 'unknown workload "XL train"'],
      [['--backends=webgpu'], 'unknown backend "webgpu"'],
      [['--peers=pytorch'], 'unknown peer "pytorch"'],
      [['--modes=offline'], 'unknown mode "offline"'],
      [['--compare', 'only-one.json'], '--compare needs two result files'],
    ] as const) {
      const r = bench(...args, '--no-save');
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(said);
    }
  });

  it('--compare names a file that is missing or not a result', () => {
    const notRun = join(scratch, 'not-a-run.json');
    writeFileSync(notRun, '{"hello": 1}');
    const missing = bench('--compare', join(scratch, 'nowhere.json'), notRun);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nowhere\.json/);
    const wrong = bench('--compare', notRun, notRun);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/not-a-run\.json.*not a result file/);
  });
});
