// CommonJS require of the installed package; the job itself is ESM, loaded with import().
const rnnkit = require('rnnkit');
const online = require('rnnkit/online');

import('./job.mjs').then(async ({ threadsJob, trainingJob }) => console.log(JSON.stringify({ ...trainingJob(rnnkit, online), threads: await threadsJob(rnnkit) })));
