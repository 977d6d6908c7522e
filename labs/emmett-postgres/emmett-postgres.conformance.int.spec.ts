import { defineConformanceTests } from '../bindings/node-test.ts';
import { emmettPostgresBackend } from './backend.ts';

defineConformanceTests(emmettPostgresBackend);
