// Tables from a run's results: one per workload, the agreement checks, and
// the ratios between two runs. The same Markdown pipe tables go to the
// console and to bench/results/*.md.
import { describeMachine } from './machine.mjs';

export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0.1) return ms.toFixed(4); // an online or forward step of a few µs
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}
const formatGflops = (g) => (g >= 10 ? g.toFixed(1) : g.toFixed(2));
const mib = (bytes) => (bytes === undefined || bytes === null ? '—' : (bytes / 2 ** 20).toFixed(bytes >= 10 * 2 ** 20 ? 0 : 1));
const formatRatio = (x) => (x >= 10 ? x.toFixed(0) : x >= 2 ? x.toFixed(1) : x.toFixed(2));

/** A Markdown pipe table, padded so that it also reads well in a terminal. */
export function table(headers, rows, align = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const cell = (text, i) => (align[i] === 'right' ? String(text).padStart(widths[i]) : String(text).padEnd(widths[i]));
  const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The fastest rnnkit backend's median in a workload (the ratios' denominator). */
function bestRnnkit(workload) {
  const medians = workload.cells.filter((c) => c.id.startsWith('rnnkit-') && c.timing).map((c) => c.timing.medianMs);
  return medians.length ? Math.min(...medians) : undefined;
}

/** One workload: median, spread, GFLOP/s, ratio to rnnkit's fastest backend, samples, memory. */
export function workloadTable(workload, { bold = false } = {}) {
  const best = bestRnnkit(workload);
  const rows = workload.cells.map((c) => {
    if (!c.timing) {
      const why = c.error ? `error: ${c.error}` : c.check?.ok === false ? 'not timed: the agreement check failed' : 'not timed';
      return [c.label, '—', '—', '—', '—', '—', mib(c.memory?.peakRssBytes), mib(c.memory?.wasmBytes), why];
    }
    const t = c.timing;
    const isBest = c.id.startsWith('rnnkit-') && t.medianMs === best;
    const median = formatMs(t.medianMs);
    return [
      c.label,
      bold && isBest ? `**${median}**` : median,
      `${formatMs(t.minMs)}–${formatMs(t.maxMs)}`,
      formatGflops(c.gflops),
      best ? `${formatRatio(t.medianMs / best)}×` : '—',
      t.slow ? `${t.samples}*` : String(t.samples),
      mib(c.memory?.peakRssBytes),
      mib(c.memory?.wasmBytes),
      c.note ?? '',
    ];
  });
  const headers = ['implementation', 'median ms', 'min–max ms', 'GFLOP/s', 'time ÷ rnnkit best', 'samples', 'peak RSS MiB', 'wasm MiB', 'note'];
  const align = ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'];
  // The note column only when some cell has one (an error, a skipped timing).
  if (rows.every((r) => !r[8])) return table(headers.slice(0, 8), rows.map((r) => r.slice(0, 8)), align);
  return table(headers, rows, align);
}

/** The agreement checks of one workload: what was compared, against the float64 reference; notes for brain.js and for peers with other equations. */
export function checkTable(workload) {
  const ref = workload.reference;
  const notes = [];
  // An online workload's check step is T learn() calls, each with an SGD update.
  const online = workload.kind === 'online-step';
  const afterLabel = online ? `after 3·T learn() steps` : 'after 3 SGD steps';
  const rows = workload.cells.filter((c) => c.check).map((c) => {
    const k = c.check;
    const g = k.gradient;
    // What the gradient comparison showed, said from the measured values (weights agree to float32 rounding; biases may not).
    const gradientNote = () => {
      if (!g) return '';
      const names = Object.keys(g);
      const agreeing = names.filter((n) => g[n] <= 1e-4);
      const differing = names.filter((n) => g[n] > 1e-4).sort((a, b) => Number(b.startsWith('b_')) - Number(a.startsWith('b_')));
      const biasesOnly = differing.length > 0 && differing.every((n) => n.startsWith('b_'));
      const against = k.notComparable ? 'its own equations\' float64 gradient' : 'rnnkit\'s float64';
      return `The gradient of one sequence's loss at the start, from its own backward pass, against ${against} `
        + '(worst |Δ| ÷ max |g| per parameter): '
        + (agreeing.length ? `${agreeing.map((n) => `${n} ${g[n].toExponential(1)}`).join(', ')}` : '')
        + (differing.length ? `${agreeing.length ? ', but ' : ''}${differing.map((n) => `${n} ${g[n].toFixed(2)}`).join(', ')}` : '')
        + (biasesOnly ? ': its add backward (addB) assigns deltas instead of adding them, so a bias gradient keeps one time step\'s term only.'
          : differing.length && k.formulation?.backward ? `: ${k.formulation.backward}.` : '.');
    };
    const after = k.expectedToDiffer && k.lossAfter3 !== undefined
      ? `After 3 steps its loss is ${k.lossAfter3.toPrecision(6)} (reference ${ref.lossAfter3.toPrecision(6)}): different by design, `
        + 'as its step is B per-sequence RMSProp updates, not one SGD update. '
      : '';
    if (k.notComparable) {
      const own = k.own, atStart = own.compared === 'lossBefore';
      const fromRnnkit = k.lossBeforeRelativeDifference !== undefined
        ? `its loss at the start is ${k.lossBeforeRelativeDifference.toExponential(1)} from rnnkit's`
        : `its loss ${atStart ? 'at the start' : 'after 3 SGD steps'} is ${k.relativeDifference.toExponential(1)} from rnnkit's`;
      notes.push(`${c.label}: **not comparable**: ${k.formulation.why}. From the same weights ${fromRnnkit}; against its own equations `
        + `evaluated in float64 (bench/lib/formulations.mjs) ${own.relativeDifference.toExponential(1)}${atStart ? ' at the start' : ' after 3 SGD steps'}, `
        + `which checks the weight mapping. ${after}${gradientNote()}`.trimEnd());
      return [c.label, `${atStart ? 'at start' : 'after 3 SGD steps'}, own equations`, (atStart ? k.lossBefore : k.lossAfter3).toPrecision(8),
        own.expected.toPrecision(8), own.relativeDifference.toExponential(1), k.ok ? 'not comparable; matches its own equations' : 'DIFFERS from its own equations'];
    }
    if (k.expectedToDiffer || g) {
      notes.push(`${c.label}: ${after}${gradientNote()}`);
      return [c.label, 'at start', k.lossBefore.toPrecision(8), ref.lossBefore.toPrecision(8), k.lossBeforeRelativeDifference.toExponential(1), k.ok ? 'agrees (see note)' : 'DIFFERS'];
    }
    const training = k.compared === 'lossAfter3';
    return [
      c.label, training ? afterLabel : 'at start', (training ? k.lossAfter3 : k.lossBefore).toPrecision(8),
      k.expected?.toPrecision(8) ?? '—', k.relativeDifference?.toExponential(1) ?? '—', k.ok ? 'agrees' : 'DIFFERS',
    ];
  });
  const caption = ref.lossAfter3 !== undefined
    ? `reference (rnnkit float64): loss ${ref.lossBefore.toPrecision(8)} at start, ${ref.lossAfter3.toPrecision(8)} ${afterLabel}${online ? ' (the batch loss at the weights reached)' : ''}`
    : `reference (rnnkit float64): loss ${ref.lossBefore.toPrecision(8)}`;
  const body = table(['implementation', 'loss', 'value', 'reference', 'relative difference', 'verdict'], rows,
    ['left', 'left', 'right', 'right', 'right', 'left']);
  return [caption, '', body, ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : [])].join('\n');
}

export function header(run) {
  return [
    `Machine: ${describeMachine(run.machine)}.`,
    `Load average (1 min): ${run.load.start} at the start, ${run.load.max} at most, ${run.load.end} at the end (${run.machine.cores} cores; this suite keeps one busy).`,
    `Command: \`${run.command}\`${run.commit ? ` at rnnkit ${run.commit}` : ''}  ·  ${run.date}  ·  ${Math.round(run.seconds)} s.`,
    `Versions: ${Object.entries(run.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  ].join('\n');
}

const FOOTNOTES = [
  'median ms: median time of one step (tinybench, after a warm-up); GFLOP/s: nominal FLOPs of docs/benchmarks.md ÷ the median;',
  'time ÷ rnnkit best: the median over the fastest rnnkit backend\'s median (higher is slower); samples marked * are slow cells,',
  'timed with fewer samples of ≥ 1 s each; peak RSS: the process that ran that one cell; wasm MiB: its WebAssembly memory.',
];

/** A column heading for an implementation id: 'rnnkit-wasm-simd' → 'rnnkit wasm-simd', 'tfjs-wasm-ops' → 'tfjs wasm ops'. */
const shortName = (id) => (id.startsWith('rnnkit-') ? `rnnkit ${id.slice(7)}`
  : id.startsWith('brain-') ? `brain.js ${id.slice(6)}` : id.replace(/-/g, ' '));

/**
 * The whole run on one page: a row per workload, a column per implementation,
 * each cell "median ms (GFLOP/s)", and the fastest peer's median over
 * rnnkit's fastest. brain.js is not in that ratio: its step is not the same
 * computation (B RMSProp updates, one sequence at a time); nor is a cell
 * with other equations (marked †, not comparable: tfjs's layers.gru).
 */
export function summaryTable(run) {
  const ids = [];
  for (const w of run.workloads) for (const c of w.cells) if (!ids.includes(c.id)) ids.push(c.id);
  const rows = run.workloads.map((w) => {
    const best = bestRnnkit(w);
    const cells = ids.map((id) => {
      const c = w.cells.find((x) => x.id === id);
      if (!c) return '';
      if (!c.timing) return c.error ? 'error' : 'not timed';
      const text = `${formatMs(c.timing.medianMs)} (${formatGflops(c.gflops)})${c.check?.notComparable ? ' †' : ''}`;
      return c.timing.medianMs === best ? `**${text}**` : text;
    });
    const peers = w.cells.filter((c) => c.timing && c.id.startsWith('tfjs-') && !c.check?.notComparable).map((c) => c.timing.medianMs);
    const ratio = peers.length && best ? `${formatRatio(Math.min(...peers) / best)}×` : '—';
    return [w.name, ...cells, ratio];
  });
  return table(['workload', ...ids.map(shortName), 'fastest tfjs ÷ rnnkit'], rows, ['left', ...ids.map(() => 'right'), 'right']);
}

/**
 * rnnkit wasm-simd on a ThreadPool against its one thread, per training
 * workload: median ms (GFLOP/s), the speedup, the efficiency per thread
 * (speedup ÷ threads), and the peak RSS the workers added (the cell's process
 * against the one-thread cell's).
 */
export function threadsTable(run) {
  const rows = [];
  for (const w of run.workloads) {
    const one = w.cells.find((c) => c.id === 'rnnkit-wasm-simd')?.timing;
    const pooled = w.cells.filter((c) => c.id.startsWith('rnnkit-wasm-simd-threads-') && c.timing);
    if (!one || !pooled.length) continue;
    const base = w.cells.find((c) => c.id === 'rnnkit-wasm-simd');
    for (const c of pooled) {
      const speedup = one.medianMs / c.timing.medianMs, n = c.threads ?? Number(c.id.split('-').at(-1));
      rows.push([w.name, `${c.id.split('-').at(-1)} (${n})`, `${formatMs(one.medianMs)} (${formatGflops(base.gflops)})`,
        `${formatMs(c.timing.medianMs)} (${formatGflops(c.gflops)})`, `${speedup.toFixed(2)}×`, `${(100 * speedup / n).toFixed(0)}%`,
        c.memory?.peakRssBytes && base.memory?.peakRssBytes ? `${((c.memory.peakRssBytes - base.memory.peakRssBytes) / 2 ** 20).toFixed(1)}` : '—']);
    }
  }
  return table(['workload', 'threads', '1 thread ms (GFLOP/s)', 'pool ms (GFLOP/s)', 'speedup', 'per thread', 'RSS added MiB'], rows,
    ['left', 'left', 'right', 'right', 'right', 'right', 'right']);
}

/**
 * The online steps against the forward step of the same model and against
 * full BPTT's cost per time step (the "train" workload of that size and cell ÷
 * T, when it ran in the same run), per rnnkit backend: median ms per step
 * (GFLOP/s), the ratios, and a floor on the algorithm's own rate: its trace
 * FLOPs ÷ (online − forward median), as that difference also holds the
 * output layer's gradient, the SGD update and learn()'s own overhead.
 * Empty when the run has no online workload.
 */
export function onlineTable(run) {
  const rows = [];
  const byName = (name) => run.workloads.find((w) => w.name === name);
  for (const w of run.workloads) {
    if (w.kind !== 'online-step') continue;
    const spec = w.online ?? {};
    const forward = byName(spec.forward), train = byName(spec.train);
    for (const c of w.cells) {
      if (!c.timing || !c.id.startsWith('rnnkit-')) continue;
      const f = forward?.cells.find((x) => x.id === c.id && x.timing);
      const b = train?.cells.find((x) => x.id === c.id && x.timing);
      const ms = c.timing.medianMs, fms = f?.timing.medianMs, bms = b ? b.timing.medianMs / spec.T : undefined;
      const rest = fms !== undefined && ms > fms ? ms - fms : undefined;
      rows.push([
        w.name, shortName(c.id), `${formatMs(ms)} (${formatGflops(c.gflops)})`,
        f ? `${formatMs(fms)} (${formatGflops(f.gflops)})` : '—', f ? `${formatRatio(ms / fms)}×` : '—',
        bms !== undefined ? formatMs(bms) : '—', bms !== undefined ? `${formatRatio(ms / bms)}×` : '—',
        rest !== undefined && spec.traceFlops ? formatGflops(spec.traceFlops / (rest / 1000) / 1e9) : '—',
      ]);
    }
  }
  if (!rows.length) return '';
  return table(['workload', 'backend', 'online ms/step (GFLOP/s)', 'forward ms/step (GFLOP/s)', 'online ÷ forward', 'BPTT ms per time step',
    'online ÷ BPTT', 'trace GFLOP/s (≥)'], rows, ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right']);
}

const ONLINE_NOTE = 'Per rnnkit backend: one learn() call on B streams against one forward step of the same model (RnnStepper.step, '
  + 'the "forward step" workload), and against full BPTT\'s cost per time step (the "train" workload of that size and cell ÷ T, '
  + 'when it ran in this run). trace GFLOP/s (≥): the algorithm\'s trace FLOPs ÷ (online − forward median), a floor on its rate '
  + '(that difference also holds the output layer\'s gradient, the SGD update and learn()\'s own overhead).';

/** The whole run as Markdown: header, then a timing table and a check table per workload. */
export function markdown(run) {
  const parts = [`# rnnkit benchmarks${run.options.quick ? ' (quick run: smoke test, not for comparison)' : ''}`, '', header(run), '', FOOTNOTES.join('\n'), ''];
  parts.push('## Summary', '', 'Median ms per step (GFLOP/s); bold: rnnkit\'s fastest backend. The last column is the fastest TensorFlow.js '
    + 'variant\'s median over that (brain.js is left out: its step is B RMSProp updates, not one SGD update).'
    + (!run.workloads.some((w) => w.cells.some((c) => c.check?.notComparable)) ? '' : ' †: not comparable, other equations than rnnkit\'s (PyTorch\'s): brain.js\'s LSTM carries no cell state, brain.js\'s GRU and tfjs\'s layers.gru '
    + 'apply the reset gate before the recurrent product; timed as they are, checked against their own equations (see the agreement checks).'),
    '', summaryTable(run), '');
  if (run.options.threads?.length) {
    parts.push('## Threads', '', 'rnnkit wasm-simd with a ThreadPool (`createThreadPool({ threads })`, passed as `threads`) against its one thread: '
      + 'the batch\'s sequences (rows) are split over the threads and their gradients summed. Per thread: speedup ÷ threads. RSS added: the '
      + 'cell process\'s peak RSS over the one-thread cell\'s (the workers\' JS heaps; their scratch and gradient blocks are in the shared wasm memory).',
    '', threadsTable(run), '');
  }
  const online = onlineTable(run);
  if (online) parts.push('## Online steps', '', ONLINE_NOTE, '', online, '');
  for (const w of run.workloads) {
    parts.push(`## ${w.description}`, '', `Nominal ${(w.flops / 1e6).toFixed(1)} MFLOP per step. ${w.about}`, '', workloadTable(w, { bold: true }), '');
    if (w.reference) parts.push('Agreement check: ' + checkTable(w), '');
  }
  return parts.join('\n');
}

/** Ratios of two runs' medians, workload by workload: new ÷ old (below 1 is faster). */
export function compare(before, after) {
  const parts = [`old: ${before.date}, ${describeMachine(before.machine)}`, `new: ${after.date}, ${describeMachine(after.machine)}`, ''];
  const rows = [];
  for (const w of after.workloads) {
    const old = before.workloads.find((o) => o.name === w.name);
    if (!old) continue;
    for (const c of w.cells) {
      const o = old.cells.find((x) => x.id === c.id);
      if (!o?.timing || !c.timing) continue;
      const ratio = c.timing.medianMs / o.timing.medianMs;
      // Medians closer than the two runs' median absolute deviations added (or than 1 %) are within sample noise.
      // (Not min–max overlap: one slow outlier, a GC or a page fault, would hide any change.)
      const noise = Math.max((o.timing.madMs ?? 0) + (c.timing.madMs ?? 0), 0.01 * o.timing.medianMs);
      const verdict = Math.abs(c.timing.medianMs - o.timing.medianMs) <= noise ? 'within noise' : ratio < 1 ? 'faster' : 'slower';
      rows.push([w.name, c.label, formatMs(o.timing.medianMs), formatMs(c.timing.medianMs), `${ratio.toFixed(3)}×`, verdict]);
    }
  }
  if (!rows.length) return parts.concat('No workload and implementation in common.').join('\n');
  parts.push(table(['workload', 'implementation', 'old ms', 'new ms', 'new ÷ old', 'change'], rows,
    ['left', 'left', 'right', 'right', 'right', 'left']));
  return parts.join('\n');
}
