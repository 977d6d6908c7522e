import { defineConformanceTests } from '../bindings/node-test.ts';
import { eventstoredbBackend } from './backend.ts';

defineConformanceTests(eventstoredbBackend);
