import { defineConformanceTests } from '../../bindings/node-test.ts';
import { kafkaNaiveBackend } from './backend.ts';

defineConformanceTests(kafkaNaiveBackend);
