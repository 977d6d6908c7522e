import { defineConformanceTests } from '../../bindings/node-test.ts';
import { postgresClusterAsyncBackend, postgresClusterBackend } from './backend.ts';

// Each starts a cluster of its own (two PostgreSQL servers); the replication scenario fails it over once.
defineConformanceTests(postgresClusterBackend);
defineConformanceTests(postgresClusterAsyncBackend);
