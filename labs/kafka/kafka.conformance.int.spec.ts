import { defineConformanceTests } from '../bindings/node-test.ts';
import { kafkaBackend } from './backend.ts';

defineConformanceTests(kafkaBackend);
