// Every implementation the suite can run, by id: rnnkit's backends and the peers.
import { WORKLOADS } from './workloads.mjs';

/** rnnkit's backends, fastest first. */
export const BACKENDS = ['wasm-simd', 'wasm-scalar', 'js'];

/** The peers, in table order. `module` is the adapter in impl/, `variant` what it is given. */
export const PEERS = {
  'tfjs-wasm-ops': { module: 'tfjs', variant: 'wasm-ops' },
  'tfjs-wasm-layers': { module: 'tfjs', variant: 'wasm-layers' },
  'tfjs-cpu-ops': { module: 'tfjs', variant: 'cpu-ops' },
  'tfjs-cpu-layers': { module: 'tfjs', variant: 'cpu-layers' },
  'brain-1.6.1': { module: 'brain', variant: '1.6.1' },
  'brain-2.0.0-beta.24': { module: 'brain', variant: '2.0.0-beta.24' },
};

/** 'rnnkit-wasm-simd' → { module: 'rnnkit', variant: 'wasm-simd' }; a peer id → its entry. */
export function resolve(id) {
  if (id.startsWith('rnnkit-')) return { module: 'rnnkit', variant: id.slice('rnnkit-'.length) };
  const peer = PEERS[id];
  if (!peer) throw new Error(`unknown implementation "${id}" (rnnkit-${BACKENDS.join(', rnnkit-')}, ${Object.keys(PEERS).join(', ')})`);
  return peer;
}

/** Which peers implement a workload (RTRL and truncated BPTT are rnnkit's alone; brain.js has no comparable FFNN). */
export function peerSupports(id, workload) {
  const kind = WORKLOADS[workload].kind;
  const { module } = PEERS[id];
  if (module === 'tfjs') return kind === 'rnn-train' || kind === 'rnn-inference' || kind === 'ffnn-train';
  return kind === 'rnn-train' || kind === 'rnn-inference';
}

/** Loads an adapter module (peers only when asked for, so rnnkit alone runs without bench/node_modules). */
export async function adapter(module) {
  return import(`../impl/${module}.mjs`);
}
