// What a result was measured on: CPU, cores, memory, runtime, and how busy the machine was.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export function machine() {
  const cpus = os.cpus();
  let flags = [];
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags'));
    const have = new Set(line ? line.split(':')[1].trim().split(/\s+/) : []);
    flags = ['avx2', 'fma', 'avx512f'].filter((f) => have.has(f));
  } catch { /* not Linux: no flags */ }
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpuFlags: flags,
    cores: os.availableParallelism?.() ?? cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    runtime: `Node ${process.versions.node}`,
    v8: process.versions.v8,
  };
}

/** One line for a table's caption. */
export function describeMachine(m) {
  const flags = m.cpuFlags.length ? ` (${m.cpuFlags.join(', ')})` : '';
  return `${m.cpu}${flags}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.runtime} (V8 ${m.v8}); ${m.os}`;
}

/** The 1-minute load average, rounded (0 where the OS does not report one). */
export const load = () => Math.round(os.loadavg()[0] * 100) / 100;
