/**
 * What DynamoDB answers, mapped to the contract's typed errors. Everything a caller can cause becomes
 * an InvalidInputError (nothing written); an unreachable endpoint, a missing table or throttling that
 * outlasted the SDK's retries becomes BackendUnavailableError. ConditionalCheckFailedException is not
 * an error of the store: the store handles it (it is how optimistic concurrency and position closing work).
 */
import { BackendUnavailableError, EventStoreError, InvalidInputError } from '../core/index.ts';

/** The commit item of a batch would exceed DynamoDB's 400 KB item limit. Nothing was written. */
export class BatchTooLargeError extends InvalidInputError {
  readonly sizeBytes: number;
  readonly maxBytes: number;
  readonly eventCount: number;
  constructor(eventCount: number, sizeBytes: number, maxBytes: number) {
    super(
      'events',
      `The batch of ${eventCount} events needs a DynamoDB item of ${sizeBytes} bytes; one commit item holds at most ` +
        `${maxBytes} bytes (the 400 KB item limit), and a batch is atomic only inside one item: split it into smaller appends`,
    );
    this.sizeBytes = sizeBytes;
    this.maxBytes = maxBytes;
    this.eventCount = eventCount;
  }
}

/** An `any` or `stream_exists` append lost the race for the stream's next slot too many times in a row. */
export class AppendContentionError extends EventStoreError {
  readonly streamId: string;
  readonly attempts: number;
  constructor(streamId: string, attempts: number) {
    super(`Append to stream '${streamId}' lost the race for the next version ${attempts} times in a row; nothing was written. Retry later.`);
    this.streamId = streamId;
    this.attempts = attempts;
  }
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return errorName(error) === 'ConditionalCheckFailedException';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
const OVERLOAD = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/**
 * Maps an SDK error of `operation` to a typed error; returns the error unchanged when it is neither the
 * caller's fault nor an availability problem (a bug then, which should stay loud).
 */
export function mapDynamoDbError(error: unknown, operation: string, table: string): unknown {
  if (error instanceof EventStoreError) return error;
  if (!(error instanceof Error)) return error;
  const name = error.name;
  const code = (error as { code?: unknown }).code;
  const message = error.message;
  if (name === 'ValidationException' && /item size|maximum allowed size|size limit/i.test(message)) {
    return new InvalidInputError('events', `DynamoDB refused the ${operation}: ${message} (the 400 KB item limit)`);
  }
  if (name === 'ValidationException' && /key.*size|size of hashkey|range key/i.test(message)) {
    return new InvalidInputError('streamId', `DynamoDB refused the ${operation}: ${message} (key size limit)`);
  }
  if (name === 'ResourceNotFoundException') {
    return new BackendUnavailableError('dynamodb', `table '${table}' does not exist (${message}); start the store with ensureTable`, { cause: error });
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'AccessDeniedException') {
    return new BackendUnavailableError('dynamodb', `the endpoint refused the credentials during ${operation}: ${message}`, { cause: error });
  }
  if (OVERLOAD.has(name)) {
    return new BackendUnavailableError('dynamodb', `${operation} failed after the SDK's retries: ${name}: ${message}`, { cause: error });
  }
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || NETWORK_CODES.has(name) || /ECONNREFUSED|socket hang up/.test(message)) {
    return new BackendUnavailableError('dynamodb', `the endpoint could not be reached during ${operation}: ${message}`, { cause: error });
  }
  return error;
}
