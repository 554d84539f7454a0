// A module worker: imports rnnkit, trains, posts the job's report.
import * as rnnkit from './rnnkit/index.js';
import { threadsJob, trainingJob } from './job.mjs';

try {
  postMessage({ ...trainingJob(rnnkit), threads: await threadsJob(rnnkit), inWorker: typeof document === 'undefined' });
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
