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
  return new Function('require', `${code}\nreturn ${expose};`)(loader(modules));
}

/** Every ```ts block of the README, with the heading it sits under and its line number. */
export function readmeBlocks(): { heading: string; line: number; code: string }[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks: { heading: string; line: number; code: string }[] = [];
  let heading = '';
  for (const m of readme.matchAll(/^(#{2,3} .*)$|^```ts\n([\s\S]*?)^```/gm)) {
    if (m[1] !== undefined) heading = m[1];
    else blocks.push({ heading, line: readme.slice(0, m.index).split('\n').length, code: m[2]! });
  }
  return blocks;
}

/**
 * Runs a block as the body of an async function, so that it may `await` at
 * its top level: its imports become `require` calls, then esbuild strips the
 * types. `prelude` runs first, in an enclosing scope, and declares what the
 * block uses without declaring it (a model, a batch from earlier in the
 * README); the block's own declarations shadow it.
 */
export async function runBlockAsync(block: string, prelude: string, expose: string, modules: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const required = block
    .replace(/^import \* as (\w+) from '([^']+)';/gm, "const $1 = require('$2');")
    .replace(/^import (\w+) from '([^']+)';/gm, "const $1 = defaultOf(require('$2'));")
    .replace(/^import \{([^}]+)\} from '([^']+)';/gm, (_, names: string, from: string) =>
      `const {${names.replace(/(\w+) as (\w+)/g, '$1: $2')}} = require('${from}');`);
  if (/^import /m.test(required)) throw new Error(`a README import this runner cannot read: ${/^import .*$/m.exec(required)![0]}`);
  const { code } = transformSync(required, { loader: 'ts' });
  const load = loader(modules);
  const defaultOf = (m: { default?: unknown }) => m.default ?? m;
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<Record<string, unknown>>;
  return new AsyncFunction('require', 'defaultOf', `${prelude}\nreturn await (async () => {\n${code}\nreturn ${expose};\n})();`)(load, defaultOf);
}

/** `require` for a block: `modules` first, then the built package for 'rnnkit' and 'rnnkit/<entry>', then Node's. */
function loader(modules: Record<string, unknown>): (name: string) => unknown {
  return (name) => (name in modules ? modules[name]
    : name === 'rnnkit' ? rnnkit : name.startsWith('rnnkit/') ? requireFromHere(`../../dist/${name.slice(7)}.cjs`) : requireFromHere(name));
}
