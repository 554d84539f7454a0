// A module worker: imports rnnkit, trains, posts the job's report.
import * as rnnkit from './rnnkit/index.js';
import { trainingJob } from './job.mjs';

try {
  postMessage({ ...trainingJob(rnnkit), inWorker: typeof document === 'undefined' });
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
