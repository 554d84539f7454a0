import { backendInfo, getBackend } from '../backend/index.js';
import type { Command } from './commands.js';
import { parseFlags } from './io.js';

export const infoCommand: Command = {
  summary: 'print the backend rnnkit uses here, and why',
  usage: 'usage: rnnkit info\n\nPrints the runtime, the backend chosen automatically and, after a fallback, why each faster one failed.',
  async run(args, io) {
    parseFlags(args, {});
    const info = backendInfo();
    io.out(`runtime: Node ${process.version} (${process.platform} ${process.arch})`);
    io.out(`backend: ${info.backend}${info.fallbacks.length ? '' : ' (the fastest available)'}`);
    for (const f of info.fallbacks) io.out(`  not ${f.backend}: ${f.reason}`);
    for (const name of ['wasm-simd', 'wasm-scalar', 'js'] as const) {
      try {
        const b = getBackend(name);
        io.out(`  ${name}: available${b.memoryBytes ? `, ${(b.memoryBytes / 2 ** 20).toFixed(1)} MiB of wasm memory` : ''}`);
      } catch (error) {
        io.out(`  ${name}: unavailable (${(error as Error).message})`);
      }
    }
    return 0;
  },
};
