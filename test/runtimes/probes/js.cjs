// CommonJS require of the JS-only entry.
const rnnkit = require('rnnkit/js');

import('./job.mjs').then(async ({ threadsJob, trainingJob }) => console.log(JSON.stringify({ ...trainingJob(rnnkit), threads: await threadsJob(rnnkit) })));
