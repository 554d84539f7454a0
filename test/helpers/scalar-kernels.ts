import { readFileSync } from 'node:fs';
import { useWasmModule } from '../../src/backend/index.js';

/*
 * The scalar wasm build is not embedded in any entry (src/backend/kernel-source.ts);
 * the tests load it from build/ as a user would load rnnkit-scalar.wasm (with its
 * online kernels, rnnkit-online-scalar.wasm), so every suite can run the parity
 * and backend checks on it.
 */
const compile = (file: string) => new WebAssembly.Module(readFileSync(new URL(`../../build/${file}`, import.meta.url)));
useWasmModule(compile('rnnkit-scalar.wasm'), { variant: 'scalar', online: compile('rnnkit-online-scalar.wasm') });
