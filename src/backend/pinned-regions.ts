import type { Workspace } from './workspace.js';

/** Regions given back by unpinRegion, per workspace, for reuse. */
const released = new WeakMap<Workspace, { at: number; size: number }[]>();

/**
 * Adds a region of `length` elements to a workspace's fixed block, for state
 * that must survive other computations on the same model (an online
 * learner's state and optimizer moments), or reuses one given back. Returns
 * its offset; its contents are the caller's to initialise.
 */
export function pinRegion(workspace: Workspace, length: number): number {
  const size = align(length), free = released.get(workspace) ?? [];
  const i = free.findIndex((r) => r.size >= size);
  if (i >= 0) {
    const r = free[i]!, offset = r.at;
    if (r.size === size) free.splice(i, 1);
    else { r.at += size; r.size -= size; }
    return offset;
  }
  const offset = workspace.fixedLength;
  workspace.relayout(workspace.backend, offset + size);
  return offset;
}

/**
 * Gives back a region from pinRegion (the same offset and length): later pins
 * reuse it, and given-back regions at the end of the fixed block shrink it,
 * so that learners created and disposed in turn do not grow the arena.
 */
export function unpinRegion(workspace: Workspace, offset: number, length: number): void {
  const free = released.get(workspace) ?? [];
  released.set(workspace, free);
  let at = offset, size = align(length);
  // Each region in the list was merged when it came back, so at most one neighbour lies on either side.
  for (let i = free.length - 1; i >= 0; i--) {
    const r = free[i]!;
    if (r.at + r.size === at) { at = r.at; size += r.size; free.splice(i, 1); }
    else if (at + size === r.at) { size += r.size; free.splice(i, 1); }
  }
  if (at + size === workspace.fixedLength) workspace.relayout(workspace.backend, at);
  else free.push({ at, size });
}

function align(n: number): number {
  return (n + 3) & ~3;
}
