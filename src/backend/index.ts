import { RnnkitError } from '../errors.js';
import { jsBackend, type Backend, type BackendName } from './backend.js';

export type { Backend, BackendName, DType, Kernels } from './backend.js';
export { Workspace, planRegions } from './workspace.js';

const backends: Record<BackendName, Backend> = { js: jsBackend };

/** The backend to use: 'auto' (the default) picks the fastest one available. */
export function getBackend(name: BackendName | 'auto' = 'auto'): Backend {
  if (name === 'auto') return jsBackend;
  const backend = backends[name];
  if (!backend) {
    throw new RnnkitError(`backend: expected one of 'auto', ${Object.keys(backends).map((n) => `'${n}'`).join(', ')}, got "${String(name)}"`);
  }
  return backend;
}
