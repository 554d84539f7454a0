// CommonJS require of the installed package; the job itself is ESM, loaded with import().
const rnnkit = require('rnnkit');

import('./job.mjs').then(async ({ threadsJob, trainingJob }) => console.log(JSON.stringify({ ...trainingJob(rnnkit), threads: await threadsJob(rnnkit) })));
