import { addingTask } from './adding.js';
import { copyTask } from './copy.js';
import { delayedEchoTask } from './echo.js';
import { reberTask } from './reber.js';
import { sineTask } from './sine.js';
import type { SequenceTask } from './task.js';

/** The generated tasks by name, each with its default size (what `rnnkit train --task NAME` uses). */
export const TASKS: Record<string, { make: (seed: number) => SequenceTask; hiddenSize: number; epochs: number }> = {
  adding: { make: (seed) => addingTask({ steps: 40, seed }), hiddenSize: 64, epochs: 40 },
  reber: { make: (seed) => reberTask({ seed }), hiddenSize: 32, epochs: 20 },
  copy: { make: (seed) => copyTask({ seed }), hiddenSize: 64, epochs: 60 },
  echo: { make: (seed) => delayedEchoTask({ seed }), hiddenSize: 16, epochs: 30 },
  sine: { make: (seed) => sineTask({ seed }), hiddenSize: 32, epochs: 30 },
};
