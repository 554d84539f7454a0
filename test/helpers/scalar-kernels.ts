import { readFileSync } from 'node:fs';
import { useWasmModule } from '../../src/backend/index.js';

/*
 * The scalar wasm build is not embedded in any entry (src/backend/kernel-source.ts);
 * the tests load it from build/ as a user would load rnnkit-scalar.wasm, so every
 * suite can run the parity and backend checks on it.
 */
useWasmModule(new WebAssembly.Module(readFileSync(new URL('../../build/rnnkit-scalar.wasm', import.meta.url))), { variant: 'scalar' });
