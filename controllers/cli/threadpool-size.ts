/**
 * Imported first by the entry point. The service's file-system work (workspaces, the store's fdatasync, the embedded
 * backend's state files) and its DNS lookups share libuv's thread pool, which has 4 threads by default; under a burst
 * of claims and refills those 4 threads were the bottleneck (the claim benchmark halved its p50 with 32). The pool is
 * created on first use, so the size must be set before any asynchronous file operation; an operator's own setting wins.
 */
process.env.UV_THREADPOOL_SIZE ??= '32';

export {};
