// ESM import of the installed package, as an app would; prints the job's report.
import * as rnnkit from 'rnnkit';
import { trainingJob } from './job.mjs';

console.log(JSON.stringify(trainingJob(rnnkit)));
