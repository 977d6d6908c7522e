/**
 * What DynamoDB answers, mapped to the contract's typed errors. Everything a caller can cause becomes
 * an InvalidInputError (nothing written); an unreachable endpoint, a missing table or throttling that
 * outlasted the SDK's retries becomes BackendUnavailableError. ConditionalCheckFailedException is not
 * an error of the store: the store handles it (it is how optimistic concurrency and position closing work).
 */
import { BackendUnavailableError, EventStoreError, InvalidInputError, isConnectionLoss } from '../core/index.ts';

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

const OVERLOAD = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'ServiceUnavailable',
]);
/** What the SDK's HTTP handler throws when no answer came: its own timeouts, DNS failures. */
const NO_ANSWER_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'NetworkingError']);
const NO_ANSWER_CODES = new Set(['ENOTFOUND', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/**
 * True when the endpoint gave no answer (refused, reset, timed out, not found): the SDK's errors carry
 * the socket's code (`ECONNREFUSED`, with the attempts in `$metadata`) on the error or on its cause.
 * The core's rule covers the socket codes; the SDK adds its own names.
 */
export function isDynamoDbUnavailable(error: unknown): boolean {
  if (isConnectionLoss(error)) return true;
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (NO_ANSWER_NAMES.has(e.name) || (typeof code === 'string' && NO_ANSWER_CODES.has(code))) return true;
  }
  return false;
}

/**
 * Maps an SDK error of `operation` to a typed error; returns the error unchanged when it is neither the
 * caller's fault nor an availability problem (a bug then, which should stay loud).
 */
export function mapDynamoDbError(error: unknown, operation: string, table: string): unknown {
  if (error instanceof EventStoreError) return error;
  if (!(error instanceof Error)) return error;
  const name = error.name;
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
  if (isDynamoDbUnavailable(error)) {
    return new BackendUnavailableError('dynamodb', `the endpoint could not be reached during ${operation}: ${message}`, { cause: error });
  }
  return error;
}
