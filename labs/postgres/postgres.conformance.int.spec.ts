import { defineConformanceTests } from '../bindings/node-test.ts';
import { postgresBackend } from './backend.ts';

defineConformanceTests(postgresBackend);
