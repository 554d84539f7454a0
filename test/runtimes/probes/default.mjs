// ESM import of the installed package, as an app would; prints the job's report.
import * as rnnkit from 'rnnkit';
import { threadsJob, trainingJob } from './job.mjs';

console.log(JSON.stringify({ ...trainingJob(rnnkit), threads: await threadsJob(rnnkit) }));
