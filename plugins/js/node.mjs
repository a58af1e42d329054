// The Node entry for `import`: the nodejs build, which is ready as soon as it
// is imported, plus a no-op default `init` so code written for the web build
// (`await init(); new Pipeline(...)`) runs unchanged in Node.
import wasm from './pkg/node/logsift_js.js';

export const { Pipeline } = wasm;

export default async function init() {}
