import { defineConformanceTests } from '../../bindings/node-test.ts';
import { dynamodbNaiveBackend } from './backend.ts';

defineConformanceTests(dynamodbNaiveBackend);
