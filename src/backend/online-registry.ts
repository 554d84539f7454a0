/**
 * Where a thread pool (src/threads/pool.ts, in the rnnkit entry) finds the
 * online algorithms' kernel module (assembly/online.ts), which only the
 * rnnkit/online entry carries: that entry registers its bytes when it loads
 * (src/train/online-entry.ts), under a registered symbol, so that the two
 * bundles meet without importing each other. A pool created before
 * rnnkit/online was loaded has no online kernels in its workers; an online
 * algorithm then refuses it (src/backend/attach-kernels.ts).
 */
const KEY = Symbol.for('rnnkit.onlineKernels');

type Registry = { [KEY]?: () => Uint8Array<ArrayBuffer> | undefined };

/** Makes the online module's SIMD bytes available to thread pools. */
export function registerOnlineKernels(bytes: () => Uint8Array<ArrayBuffer> | undefined): void {
  (globalThis as Registry)[KEY] ??= bytes;
}

/** The online module's SIMD bytes, once rnnkit/online has loaded; else undefined. */
export function registeredOnlineKernels(): Uint8Array<ArrayBuffer> | undefined {
  return (globalThis as Registry)[KEY]?.();
}
