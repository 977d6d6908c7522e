/** Moved: the node:test binding is labs/bindings/node-test.ts; availability is labs/runtime/settings.ts. */
export { unavailableReason } from '../runtime/settings.ts';
