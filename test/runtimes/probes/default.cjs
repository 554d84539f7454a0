// CommonJS require of the installed package; the job itself is ESM, loaded with import().
const rnnkit = require('rnnkit');

import('./job.mjs').then(({ trainingJob }) => console.log(JSON.stringify(trainingJob(rnnkit))));
