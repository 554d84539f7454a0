import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { transformSync } from 'esbuild';

/*
 * The README's examples, run as written: each ```ts block of a section is
 * compiled (esbuild) and run against the built package (dist/, as
 * `require('rnnkit')` would load it).
 */
const requireFromHere = createRequire(import.meta.url);
const rnnkit = requireFromHere('../../dist/index.cjs');

/** The section under `heading` (up to the next "## "), and its ```ts blocks. */
export function readmeSection(heading: string): { section: string; blocks: string[] } {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(heading);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 10));
  return { section, blocks: [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!) };
}

/**
 * Runs a block; `expose` is appended as the body's return statement to hand its locals to the test.
 * `modules` stands in for modules the block imports (e.g. a node:fs that reads a test's files).
 */
export function runBlock(block: string, expose: string, modules: Record<string, unknown> = {}): Record<string, unknown> {
  const { code } = transformSync(block, { loader: 'ts', format: 'cjs' });
  const load = (name: string) => (name in modules ? modules[name]
    : name === 'rnnkit' ? rnnkit : name.startsWith('rnnkit/') ? requireFromHere(`../../dist/${name.slice(7)}.cjs`) : requireFromHere(name));
  return new Function('require', `${code}\nreturn ${expose};`)(load);
}
