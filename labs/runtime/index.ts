/** Running real servers: the public face of labs/runtime for the workshop, benchmarks and scripts. */
export * from './backend.ts';
export * from './settings.ts';
export { freePort, freePorts } from './ports.ts';
export { iptablesAvailable, networkNamespacesUnavailable, PartitionUnavailableError } from './netns.ts';
export { startPostgres, type RunningPostgres } from './postgres.ts';
export { startPostgresCluster, type RunningPostgresCluster } from './postgres/cluster.ts';
