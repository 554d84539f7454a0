// What the online module (assembly/online.ts) calls in the core module
// (assembly/index.ts) instead of carrying its own copy: the packed matrix
// product, with the core instance's scratch. The JS façade passes the core
// instance's export as env.matmulAB (src/backend/attach-kernels.ts; in a
// worker, src/threads/thread-source.ts).

// @ts-ignore: decorator
@external("env", "matmulAB")
export declare function matmulAB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void;
