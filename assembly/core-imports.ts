// What the online module (assembly/online.ts) calls in the core module
// (assembly/index.ts) instead of carrying its own copy: the packed matrix
// products, with the core instance's scratch (RTRL's W_rec·P is matmulAB,
// UORO's W_rec·s̃ matmulABt). The JS façade passes the core instance's exports
// of these names as env imports (src/backend/attach-kernels.ts; in a worker,
// src/threads/thread-source.ts, every core export).

// @ts-ignore: decorator
@external("env", "matmulAB")
export declare function matmulAB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void;

// @ts-ignore: decorator
@external("env", "matmulABt")
export declare function matmulABt(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, accumulate: i32): void;
