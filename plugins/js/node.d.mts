// Types of the Node `import` entry (node.mjs).
export * from './pkg/node/logsift_js.js';
/** Nothing to do in Node (the module is ready on import); present so code written for the web build runs unchanged. */
export default function init(): Promise<void>;
