import type { BackendName } from '../../src/backend/index.js';

/** Every backend, each test running on all of them. */
export const BACKENDS: BackendName[] = ['js', 'wasm-simd', 'wasm-scalar'];
