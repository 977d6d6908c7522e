/**
 * docker-compose.yml is valid Compose (checked against the official JSON Schema), and it defines every
 * service the labs, tests and benchmarks expect, with the ports and variables they read: the values in
 * .env.example must reach exactly the ports the file publishes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseEnv } from 'node:util';
import { DEFAULT_EVENTSTORE_CONNECTION_STRING } from './eventstoredb.ts';
import {
  ENV_EXAMPLE_FILE,
  composeSchemaPath,
  publishedPort,
  readComposeFile,
  serviceEnvironment,
  validateCompose,
  type ComposeDocument,
  type ComposeService,
} from './compose.ts';

const document = readComposeFile() as ComposeDocument;
const env = parseEnv(readFileSync(ENV_EXAMPLE_FILE, 'utf8'));

function service(name: string): ComposeService {
  const found = document.services[name];
  assert.ok(found, `docker-compose.yml defines no service '${name}'`);
  return found;
}

function envVar(name: string): string {
  const value = env[name];
  assert.ok(value, `.env.example sets no ${name}`);
  return value;
}

test('docker-compose.yml is valid against the Compose Specification schema', () => {
  const result = validateCompose(document);
  assert.deepEqual(result.errors, [], `invalid Compose file (schema: ${composeSchemaPath()})`);
  assert.equal(result.valid, true);
});

test('the validator rejects broken Compose files (it is not a rubber stamp)', () => {
  const broken: [string, (doc: ComposeDocument & Record<string, unknown>) => void, RegExp][] = [
    ['an unknown top-level key', (doc) => (doc.servicez = {}), /additional properties 'servicez'/],
    ['ports that are not a list', (doc) => ((doc.services.postgres as Record<string, unknown>).ports = 5432), /\/services\/postgres\/ports must be array/],
    ['an unknown service key', (doc) => ((doc.services.kafka as Record<string, unknown>).imagee = 'apache/kafka'), /additional properties 'imagee'/],
    ['a health-check interval without a unit', (doc) => ((doc.services.dynamodb as Record<string, unknown>).healthcheck = { test: ['CMD', 'true'], interval: 5 }), /healthcheck\/interval must be string/],
    ['a named volume declared as a list', (doc) => ((doc as Record<string, unknown>).volumes = ['postgres-data']), /\/volumes must be object/],
  ];
  for (const [what, breakIt, expected] of broken) {
    const copy = structuredClone(document) as ComposeDocument & Record<string, unknown>;
    breakIt(copy);
    const result = validateCompose(copy);
    assert.equal(result.valid, false, `${what}: accepted`);
    assert.match(result.errors.join('\n'), expected, `${what}: ${result.errors.join('; ')}`);
  }
});

test('every image is pinned, every service has a health check, every named volume is declared', () => {
  for (const [name, svc] of Object.entries(document.services)) {
    if (svc.image && !svc.build) {
      assert.match(svc.image, /:[0-9][\w.-]*$/, `${name}: image '${svc.image}' is not pinned to a version tag`);
    }
    assert.ok(svc.healthcheck?.test && !svc.healthcheck.disable, `${name}: no health check`);
    for (const volume of svc.volumes ?? []) {
      const source = typeof volume === 'string' ? volume.split(':')[0]! : (volume.source ?? '');
      if (source.startsWith('.') || source.startsWith('/') || source === '') continue; // bind mounts
      assert.ok(document.volumes && source in document.volumes, `${name}: volume '${source}' is not declared under volumes:`);
    }
  }
});

test('PostgreSQL: DATABASE_URL reaches the published port with the configured user and database', () => {
  const postgres = service('postgres');
  assert.match(postgres.image ?? '', /^postgres:17\.\d+/, 'an official postgres 17.x image');
  const url = new URL(envVar('DATABASE_URL'));
  const containerEnv = serviceEnvironment(postgres);
  assert.equal(url.protocol, 'postgres:');
  assert.equal(Number(url.port), publishedPort(postgres, 5432), 'DATABASE_URL port = published port');
  assert.equal(decodeURIComponent(url.username), containerEnv.POSTGRES_USER);
  assert.equal(decodeURIComponent(url.password), containerEnv.POSTGRES_PASSWORD);
  assert.equal(url.pathname.slice(1), containerEnv.POSTGRES_DB);
});

test('EventStoreDB: insecure dev mode with projections, and EVENTSTORE_CONNECTION_STRING matching it', () => {
  const eventstoredb = service('eventstoredb');
  assert.match(eventstoredb.image ?? '', /^eventstore\/eventstore:\d+\.\d+/);
  const containerEnv = serviceEnvironment(eventstoredb);
  assert.equal(containerEnv.EVENTSTORE_INSECURE, 'true');
  assert.equal(containerEnv.EVENTSTORE_RUN_PROJECTIONS, 'All', '$ce- streams need the projection subsystem');
  assert.equal(containerEnv.EVENTSTORE_START_STANDARD_PROJECTIONS, 'true', '$by_category must run');
  assert.equal(containerEnv.EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP, 'true');
  const connection = envVar('EVENTSTORE_CONNECTION_STRING');
  assert.equal(connection, DEFAULT_EVENTSTORE_CONNECTION_STRING, 'the code default is the compose service');
  const url = new URL(connection.replace(/^esdb:/, 'http:'));
  assert.equal(Number(url.port), publishedPort(eventstoredb, 2113));
  assert.equal(url.searchParams.get('tls'), 'false', 'an insecure server speaks plain gRPC');
});

test('Kafka: KRaft single node, advertised to the host where KAFKA_BROKERS points, and to other containers', () => {
  const kafka = service('kafka');
  assert.match(kafka.image ?? '', /^apache\/kafka:4\./);
  const containerEnv = serviceEnvironment(kafka);
  assert.equal(containerEnv.KAFKA_PROCESS_ROLES, 'broker,controller', 'one node is broker and controller (KRaft)');
  const brokers = envVar('KAFKA_BROKERS').split(',');
  const advertised = (containerEnv.KAFKA_ADVERTISED_LISTENERS ?? '').split(',').map((l) => l.replace(/^\w+:\/\//, ''));
  for (const broker of brokers) {
    assert.ok(advertised.includes(broker), `KAFKA_BROKERS ${broker} is not an advertised listener (${advertised.join(', ')})`);
    const port = Number(broker.split(':')[1]);
    assert.equal(publishedPort(kafka, port), port, `port ${port} is published on the host`);
  }
  assert.ok(advertised.some((l) => l.startsWith('kafka:')), 'a listener for other containers (kafka:…)');
});

test('DynamoDB Local, the advisor and the k6 profile are where the variables say', () => {
  const dynamodb = service('dynamodb');
  assert.match(dynamodb.image ?? '', /^amazon\/dynamodb-local:\d/);
  assert.equal(Number(new URL(envVar('DYNAMODB_ENDPOINT')).port), publishedPort(dynamodb, 8000));

  const advisor = service('advisor');
  assert.ok(advisor.build, 'the advisor is built from the repository');
  const port = Number(envVar('PORT'));
  assert.equal(serviceEnvironment(advisor).PORT, String(port), 'the advisor listens on PORT');
  assert.equal(publishedPort(advisor, port), port);

  const k6 = service('k6');
  assert.match(k6.image ?? '', /^grafana\/k6:\d/);
  assert.deepEqual(k6.profiles, ['k6'], 'k6 only runs when asked for (--profile k6)');
  assert.ok('BENCH_HTTP_URL' in serviceEnvironment(k6), 'k6 gets the facade URL');
  assert.ok(envVar('BENCH_HTTP_URL'));
  assert.ok((k6.volumes ?? []).some((v) => typeof v === 'string' && v.startsWith('./benchmarks/k6:/scripts')), 'the k6 scripts are mounted');
});
