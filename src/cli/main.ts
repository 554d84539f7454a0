/**
 * `rnnkit <command>`: train, sample, predict, bench, info, demo, diagnose. Node built-ins
 * only, so the package keeps zero runtime dependencies.
 */
import { commands, run } from './commands.js';

process.exitCode = await run(process.argv.slice(2), commands, {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
});
