/**
 * What other parts of the workbench may use from the PostgreSQL lab (the workshop's reference solution
 * packs its positions the way the lab does). Everything else in this folder is the lab's own.
 */
export { MAX_POSITION, packPosition, unpackPosition } from './positions.ts';
