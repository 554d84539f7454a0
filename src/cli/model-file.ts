import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { fromBinary, fromJSON, toBinary, toJSON, type LoadOptions, type SaveOptions, type SavedModel } from '../model/serialize.js';
import { UsageError } from './io.js';

/**
 * Saves as JSON, or binary when the name ends in .rnnk; written to a temporary file and renamed, so a crash never leaves half a file.
 * With { optimizer: true }, a checkpoint: the optimizer state too.
 */
export function saveModel(path: string, model: SavedModel, options: SaveOptions = {}): void {
  const data = path.endsWith('.rnnk') ? toBinary(model, options) : toJSON(model, options);
  writeFileSync(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

/** Fails now, with the reason, if `path` cannot be written: before a training run, not after its first epoch. */
export function checkWritable(flag: string, path: string): void {
  try {
    writeFileSync(`${path}.tmp`, '');
    unlinkSync(`${path}.tmp`);
  } catch (error) {
    throw new UsageError(`${flag}: cannot write "${path}" (${(error as Error).message})`);
  }
}

/** Loads a model file, JSON or binary (told apart by the "RNNK" magic bytes). */
export function loadModel(path: string, options: LoadOptions = {}): SavedModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read the model file "${path}": ${(error as Error).message}`);
  }
  if (bytes.subarray(0, 4).toString('latin1') === 'RNNK') return fromBinary(new Uint8Array(bytes), options);
  return fromJSON(bytes.toString('utf8'), options);
}
