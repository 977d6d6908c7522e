// The pitfall demo: the naive DynamoDB store must fail, for real, exactly the scenarios it is expected to fail.
import { defineConformanceTests } from '../../conformance/node-test.ts';

defineConformanceTests('dynamodb-naive');
