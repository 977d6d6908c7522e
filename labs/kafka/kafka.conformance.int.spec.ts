import { defineConformanceTests } from '../conformance/node-test.ts';

defineConformanceTests('kafka');
