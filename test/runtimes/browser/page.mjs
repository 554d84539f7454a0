// Trains on the page's main thread; the served CSP decides whether wasm may compile.
import * as rnnkit from './rnnkit/index.js';
import { trainingJob } from './job.mjs';

try {
  globalThis.rnnkitResult = trainingJob(rnnkit);
} catch (error) {
  globalThis.rnnkitResult = { error: String(error?.stack ?? error) };
}
