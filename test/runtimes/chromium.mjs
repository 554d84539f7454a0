// Headless Chromium (Debian's package) driven by playwright-core, loading
// pages served from 127.0.0.1 under two Content Security Policies.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** Each path prefix is served with its own policy, to every page, module and worker under it. */
export const POLICIES = {
  wasm: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
  strict: "default-src 'self'; script-src 'self'",
  // Cross-origin isolated (COOP/COEP headers below): SharedArrayBuffer, so threads. Workers start from blob: URLs.
  isolated: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:",
};
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES = { '.html': 'text/html', '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const here = new URL('.', import.meta.url).pathname;

/** onnxruntime-web's dist/ (a devDependency), or undefined when it is not installed. */
function ortWeb() {
  try {
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    return undefined;
  }
}

/**
 * /<policy>/rnnkit/* is the installed package's dist/, /<policy>/job.mjs the
 * shared job, /<policy>/ort/* onnxruntime-web's dist/, model.onnx and
 * onnx-inputs.json what the scratch project's onnx-export.mjs wrote; anything
 * else under /<policy>/ comes from browser/.
 */
function serve(scratch) {
  const ort = ortWeb();
  const server = createServer((request, response) => {
    const [, policy, ...rest] = new URL(request.url, 'http://x').pathname.split('/');
    const path = normalize(rest.join('/'));
    const file = path.startsWith('rnnkit/') ? join(scratch, 'node_modules/rnnkit/dist', path.slice(7))
      : path.startsWith('ort/') ? ort && join(ort, path.slice(4))
        : path === 'job.mjs' ? join(here, 'job.mjs')
          : path === 'model.onnx' || path === 'onnx-inputs.json' ? join(scratch, path)
            : join(here, 'browser', path);
    if (!POLICIES[policy] || path.startsWith('..') || !file || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': POLICIES[policy],
      'cache-control': 'no-store',
      ...(policy === 'isolated' ? ISOLATION : {}),
    });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Loads each page and waits for the report it leaves in globalThis.rnnkitResult. */
export async function runChromium(scratch, pages, { timeoutMs = 60_000 } = {}) {
  const server = await serve(scratch);
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: timeoutMs });
  const reports = {};
  try {
    for (const [name, path] of Object.entries(pages)) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const console = [];
      page.on('console', (m) => console.push(m.text()));
      page.on('pageerror', (e) => console.push(String(e)));
      const started = performance.now();
      try {
        await page.goto(`${origin}${path}`, { timeout: timeoutMs });
        await page.waitForFunction(() => globalThis.rnnkitResult, null, { timeout: timeoutMs });
        reports[name] = await page.evaluate(() => globalThis.rnnkitResult);
        reports[name].seconds = (performance.now() - started) / 1000;
      } catch (error) {
        reports[name] = { error: `${error.message.split('\n')[0]} ${console.join(' | ')}` };
      }
      await context.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
  return reports;
}
