// Trains on the page's main thread; the served CSP decides whether wasm may compile.
import * as rnnkit from './rnnkit/index.js';
import { threadsJob, trainingJob } from './job.mjs';

try {
  globalThis.rnnkitResult = { ...trainingJob(rnnkit), threads: await threadsJob(rnnkit) };
} catch (error) {
  globalThis.rnnkitResult = { error: String(error?.stack ?? error) };
}
