// Cloudflare workerd, from the npm package, serving one worker on 127.0.0.1.
// No wrangler: a config file lists the worker's modules, the kernels among
// them as a wasm module.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { freePort, stop } from './processes.mjs';

const require = createRequire(import.meta.url);

/** The workerd binary shipped in the platform package (no postinstall step needed). */
export function workerdBinary() {
  try {
    return require.resolve('@cloudflare/workerd-linux-64/bin/workerd');
  } catch {
    return require.resolve('workerd/bin/workerd');
  }
}

/** The config of README's Runtimes section, with the modules given. */
export const config = (port, modules) => `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
${modules.map((m) => `    ${m},`).join('\n')}
  ],
  compatibilityDate = "2025-09-01",
);
`;

/**
 * Lays out the worker one of three ways:
 *   modules: unbundled, each file a module, "rnnkit" being the file the
 *            package's workerd condition names (README's configuration);
 *   bundled: one file, as wrangler bundles it (esbuild, conditions workerd,
 *            worker, browser), the .wasm left as its own module;
 *   default: bundled without those conditions, so it gets the default entry,
 *            whose embedded bytes workerd refuses to compile.
 */
async function layOut(scratch, dir, how) {
  const dist = join(scratch, 'node_modules/rnnkit/dist');
  // Unbundled, only the core: workerd resolves every specifier against the importing module's name, so a module
  // named 'rnnkit/online' would import 'rnnkit/rnnkit'; rnnkit/online in workerd goes through a bundler (README).
  const wasmFiles = how === 'modules' ? ['rnnkit-simd.wasm'] : ['rnnkit-simd.wasm', 'rnnkit-online-simd.wasm'];
  for (const file of wasmFiles) copyFileSync(join(dist, file), join(dir, file));
  const wasm = wasmFiles.map((file) => `(name = "${file}", wasm = embed "${file}")`);
  if (how === 'modules') {
    const { exports } = JSON.parse(readFileSync(join(scratch, 'node_modules/rnnkit/package.json'), 'utf8'));
    copyFileSync(join(scratch, 'node_modules/rnnkit', exports['.'].workerd.default), join(dir, 'rnnkit.js'));
    const worker = readFileSync(join(scratch, 'workerd-worker.mjs'), 'utf8');
    writeFileSync(join(dir, 'worker.js'), worker.replace("import * as online from 'rnnkit/online';", 'const online = undefined;'));
    copyFileSync(join(scratch, 'job.mjs'), join(dir, 'job.mjs'));
    return [
      '(name = "worker.js", esModule = embed "worker.js")',
      '(name = "job.mjs", esModule = embed "job.mjs")',
      '(name = "rnnkit", esModule = embed "rnnkit.js")',
      ...wasm,
    ];
  }
  await build({
    entryPoints: [join(scratch, 'workerd-worker.mjs')],
    outfile: join(dir, 'worker.js'),
    bundle: true, format: 'esm', platform: 'neutral', logLevel: 'error',
    conditions: how === 'bundled' ? ['workerd', 'worker', 'browser'] : [],
    external: ['*.wasm'],
  });
  return ['(name = "worker.js", esModule = embed "worker.js")', ...wasm];
}

/** Starts workerd, requests the worker once, stops workerd by its PID; resolves with the job's report. */
export async function runWorkerd(scratch, how, { timeoutMs = 60_000 } = {}) {
  const dir = join(scratch, `workerd-${how}`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(join(dir, 'config.capnp'), config(port, await layOut(scratch, dir, how)));

  const child = spawn(workerdBinary(), ['serve', 'config.capnp'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) return { error: `workerd exited (${child.exitCode}): ${output.trim().slice(-500)}` };
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())) });
        return await response.json();
      } catch (error) {
        if (error.name === 'TimeoutError') break;
        await new Promise((r) => setTimeout(r, 200)); // not listening yet
      }
    }
    return { error: `no answer from workerd within ${timeoutMs} ms: ${output.trim().slice(-500)}` };
  } finally {
    await stop(child);
  }
}
