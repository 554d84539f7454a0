import { RecurrentModel } from 'rnnkit';
import { fail } from '../errors.js';

/**
 * The online algorithms' model check. They are the rnnkit/online entry, a
 * bundle apart from rnnkit: a model is checked against the RecurrentModel of
 * the rnnkit the app imports, not a copy of the class.
 */
export function checkRecurrentModel(argument: string, model: unknown): asserts model is RecurrentModel {
  if (!(model instanceof RecurrentModel)) fail(argument, 'a recurrent model (RecurrentNetwork or ElmanRNN)', model);
}
