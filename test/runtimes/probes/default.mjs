// ESM import of the installed package, as an app would; prints the job's report.
import * as rnnkit from 'rnnkit';
import * as online from 'rnnkit/online';
import { threadsJob, trainingJob } from './job.mjs';

console.log(JSON.stringify({ ...trainingJob(rnnkit, online), threads: await threadsJob(rnnkit) }));
