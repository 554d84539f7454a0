// A Cloudflare worker that runs the job per request. In workerd, 'rnnkit' is
// the package's workerd entry: a module of that name in the config, or what
// a bundler picks with the workerd condition. Its kernels come from the
// rnnkit-simd.wasm module; rnnkit/online's from rnnkit-online-simd.wasm.
import * as rnnkit from 'rnnkit';
import * as online from 'rnnkit/online';
import { threadsJob, trainingJob } from './job.mjs';

export default {
  async fetch() {
    try {
      return Response.json({ ...trainingJob(rnnkit, online), threads: await threadsJob(rnnkit) });
    } catch (error) {
      return Response.json({ error: String(error?.stack ?? error) }, { status: 500 });
    }
  },
};
