import { defineConformanceTests } from '../../bindings/node-test.ts';
import { postgresNaiveBackend } from './backend.ts';

defineConformanceTests(postgresNaiveBackend);
