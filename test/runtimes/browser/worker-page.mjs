// Trains off the main thread, the way a page should: the worker posts back its report.
const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
worker.onmessage = (event) => { globalThis.rnnkitResult = event.data; };
worker.onerror = (event) => { globalThis.rnnkitResult = { error: `worker error: ${event.message}` }; };
