// ESM import of the JS-only entry; prints the job's report.
import * as rnnkit from 'rnnkit/js';
import { threadsJob, trainingJob } from './job.mjs';

console.log(JSON.stringify({ ...trainingJob(rnnkit), threads: await threadsJob(rnnkit) }));
