/**
 * rnnkit/tasks: the generated sequence tasks of the seed notes and the
 * literature (adding problem, embedded Reber grammar, copy/memory, noisy
 * sines, delayed echo), each with its train/test batches, its metric and the
 * score of a model without memory. Its own entry, so that an app that trains
 * on its own data carries none of it; it builds its batches with the 'rnnkit'
 * entry the app imports.
 */
export { addingProblem, addingTask, type AddingProblemOptions } from './adding.js';
export { reberTask, embeddedReberString, isEmbeddedReber, REBER_SYMBOLS } from './reber.js';
export { copyTask } from './copy.js';
export { sineTask } from './sine.js';
export { delayedEchoTask } from './echo.js';
export { beatsBaseline, type SequenceTask, type TaskReport } from './task.js';
