import { defineConformanceTests } from '../bindings/node-test.ts';
import { dynamodbBackend } from './backend.ts';

defineConformanceTests(dynamodbBackend);
