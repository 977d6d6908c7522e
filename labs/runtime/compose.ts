/**
 * Validating docker-compose.yml without docker: the official Compose Specification JSON Schema
 * (compose-spec/compose-spec `schema/compose-spec.json`, Apache-2.0) as shipped by the `dclint` package
 * (a Compose linter, MIT, dev dependency), checked with ajv. The docker client here has no compose
 * plugin, and this is the same schema `docker compose config` validates against.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

export const COMPOSE_FILE = new URL('../../docker-compose.yml', import.meta.url);
export const ENV_EXAMPLE_FILE = new URL('../../.env.example', import.meta.url);

/** Where the schema comes from (for messages and docs). */
export function composeSchemaPath(): string {
  return join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
}

let compiled: ValidateFunction | undefined;

/** The schema is draft-07, so ajv's default class; it names its meta-schema by https, ajv by http. */
export function composeValidator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(composeSchemaPath(), 'utf8')) as { $schema?: string };
  const draft07 = require('ajv/dist/refs/json-schema-draft-07.json') as Record<string, unknown>;
  // The Compose schema uses union types ("type": ["string", "number"]) throughout: allowed, not an error.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  if (schema.$schema && !ajv.getSchema(schema.$schema)) ajv.addMetaSchema({ ...draft07, $id: schema.$schema });
  compiled = ajv.compile(schema);
  return compiled;
}

export interface ComposeValidation {
  valid: boolean;
  errors: string[];
}

export function validateCompose(document: unknown): ComposeValidation {
  const validate = composeValidator();
  const valid = validate(document);
  return { valid, errors: (validate.errors ?? []).map(describeError) };
}

function describeError(error: ErrorObject): string {
  const params = error.keyword === 'additionalProperties' ? ` '${String((error.params as { additionalProperty?: string }).additionalProperty)}'` : '';
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${params}`;
}

export function readComposeFile(file: URL = COMPOSE_FILE): unknown {
  return parse(readFileSync(file, 'utf8'));
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: (string | number | { target: number | string; published?: number | string })[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: unknown; disable?: boolean };
  profiles?: string[];
  volumes?: (string | { source?: string; target: string })[];
  command?: unknown;
}

export interface ComposeDocument {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** Published host port for a container port, from short (`"5432:5432"`) or long syntax. */
export function publishedPort(service: ComposeService, containerPort: number): number | undefined {
  for (const entry of service.ports ?? []) {
    if (typeof entry === 'object') {
      if (Number(entry.target) === containerPort && entry.published !== undefined) return Number(entry.published);
      continue;
    }
    const text = String(entry).replace(/\/(tcp|udp)$/, '');
    const parts = text.split(':');
    const target = Number(parts.at(-1));
    if (target === containerPort && parts.length >= 2) return Number(parts.at(-2));
  }
  return undefined;
}

/** A service's environment as a map, whichever syntax the file uses. */
export function serviceEnvironment(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}
