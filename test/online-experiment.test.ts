import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * The online-learning experiment (scripts/online-experiment.mjs, docs/online-experiment.md). Its --quick variant
 * (r = 16, RTRL at r = 8, 10 000 steps per stream, about 2 s) runs here on dist/ (npm run build first), and its
 * claim must hold at that scale: SnAp-1 learns what TBPTT with a window shorter than the delay cannot. The committed
 * docs/online-experiment.json must be a full run of the same script: every stream and every (algorithm, cell).
 */
interface Run {
  algorithm: string;
  spec: { type: string; k?: number };
  cell: string;
  hiddenSize: number;
  parameters: number;
  learningRate: number;
  accuracy: number;
  peakAccuracy: number;
  scoredSteps: number;
  stepsToThreshold: number | null;
  microsecondsPerStep: number;
  curve: [number, number][];
}
interface Stream {
  id: string;
  shortWindow: number;
  longWindow: number;
  steps: number;
  lastN: number;
  threshold: number;
  chance: number;
  seed: number;
  claim: { learned: number; blind: number; text: string; holds: boolean };
  runs: Run[];
}
interface Results {
  quick: boolean;
  command: string;
  setup: Record<string, unknown>;
  streams: Stream[];
}

const script = new URL('../scripts/online-experiment.mjs', import.meta.url).pathname;
const quick = (): Results => JSON.parse(execFileSync(process.execPath, [script, '--quick', '--json'], { encoding: 'utf8', timeout: 60_000 })) as Results;
const find = (s: Stream, algorithm: string, cell = 'lstm') => s.runs.find((r) => r.algorithm === algorithm && r.cell === cell)!;

describe('the online-learning experiment (scripts/online-experiment.mjs)', () => {
  const results = quick();
  const stream = (id: string) => results.streams.find((s) => s.id === id)!;

  it('--quick: SnAp-1 learns the delayed echo and the recall on a cue where TBPTT with a window shorter than the delay does not', () => {
    expect(results.quick).toBe(true);
    const echo = stream('echo'), recall = stream('recall');
    // Measured: echo SnAp-1 53.9 %, TBPTT(3) 37.8 %; recall SnAp-1 94.0 %, TBPTT(4) 27.3 % (chance 25 %).
    for (const s of [echo, recall]) {
      const snap1 = find(s, 'SnAp-1'), blind = find(s, 'TBPTT, k < delay');
      expect(snap1.hiddenSize, s.id).toBe(16);
      expect(blind.spec, s.id).toEqual({ type: 'tbptt', k: s.shortWindow });
      expect(snap1.accuracy, s.id).toBeGreaterThanOrEqual(s.claim.learned);
      expect(blind.accuracy, s.id).toBeLessThan(s.claim.blind);
      expect(s.claim.holds, s.claim.text).toBe(true);
    }
    expect(find(echo, 'SnAp-1').accuracy - find(echo, 'TBPTT, k < delay').accuracy).toBeGreaterThan(0.1);
    expect(find(recall, 'SnAp-1').accuracy - find(recall, 'TBPTT, k < delay').accuracy).toBeGreaterThan(0.5);
    // The windows that reach the cause, and exact RTRL, learn the recall.
    expect(find(recall, 'TBPTT, k > delay').accuracy).toBeGreaterThanOrEqual(0.95);
    expect(find(recall, 'RTRL (exact)').accuracy).toBeGreaterThanOrEqual(0.85);
    expect(find(echo, 'TBPTT, k > delay').accuracy).toBeGreaterThan(find(echo, 'TBPTT, k < delay').accuracy + 0.2);
  });

  it('is deterministic: the same accuracies on a second run', () => {
    const again = quick();
    const accuracies = (r: Results) => r.streams.flatMap((s) => s.runs.map((run) => [s.id, run.algorithm, run.cell, run.accuracy, run.stepsToThreshold]));
    expect(accuracies(again)).toEqual(accuracies(results));
  });

  it('docs/online-experiment.json is a full run of this script: every stream, every algorithm and cell, the same fields, its claims holding', () => {
    const committed = JSON.parse(readFileSync(new URL('../docs/online-experiment.json', import.meta.url), 'utf8')) as Results;
    expect(committed.quick).toBe(false);
    expect(committed.command).toBe('node scripts/online-experiment.mjs');
    expect(Object.keys(committed.setup).sort()).toEqual(Object.keys(results.setup).sort());
    expect(committed.setup.hiddenSize).toBeGreaterThanOrEqual(64);
    expect(committed.streams.map((s) => s.id)).toEqual(results.streams.map((s) => s.id));
    committed.streams.forEach((s, i) => {
      const q = results.streams[i]!;
      expect(Object.keys(s).sort(), s.id).toEqual(Object.keys(q).sort());
      expect(s.runs.map((r) => `${r.algorithm} / ${r.cell}`), s.id).toEqual(q.runs.map((r) => `${r.algorithm} / ${r.cell}`));
      for (const r of s.runs) {
        expect(Object.keys(r).sort(), `${s.id} ${r.algorithm}`).toEqual(Object.keys(q.runs[0]!).sort());
        expect(r.curve.length, `${s.id} ${r.algorithm}`).toBeGreaterThan(100);
        expect(r.accuracy).toBeGreaterThanOrEqual(0);
        expect(r.accuracy).toBeLessThanOrEqual(1);
      }
      expect(s.claim.holds, s.claim.text).toBe(true);
      expect(s.claim.learned).toBeGreaterThanOrEqual(s.threshold);
    });
  });
});
