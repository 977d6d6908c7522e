// The pitfall demo: the naive store must fail, for real, exactly the scenarios it is expected to fail.
import { defineConformanceTests } from '../../conformance/node-test.ts';

defineConformanceTests('kafka-naive');
