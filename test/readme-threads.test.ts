import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

/*
 * The README's section on threads runs as written against the built package
 * (dist/, as `require('rnnkit')` loads it), and says what this machine does.
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## Training on every core (threads)');
const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const requireFromHere = createRequire(import.meta.url);
const rnnkit = requireFromHere('../dist/index.cjs');

describe('README: training on every core', () => {
  it('trains the M LSTM on a pool of every core, which this 2-core machine has', () => {
    expect(blocks).toHaveLength(1);
    const { code } = transformSync(blocks[0]!, { loader: 'ts', format: 'cjs' });
    const { pool, model, result } = new Function('require', `${code}\nreturn { pool, model, result };`)(
      (name: string) => (name === 'rnnkit' ? rnnkit : requireFromHere(name)),
    ) as { pool: { threads: number; reason: unknown; backend: unknown }; model: { backend: unknown }; result: { history: { loss: number }[] } };
    expect(pool.threads).toBe(Math.min(16, requireFromHere('node:os').availableParallelism()));
    expect(pool.reason).toBeUndefined();
    expect(model.backend).toBe(pool.backend);
    expect(result.history).toHaveLength(5);
    expect(result.history[4]!.loss).toBeLessThan(result.history[0]!.loss);
  });
});
