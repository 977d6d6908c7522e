/**
 * Translation of `@eventstore/db-client` errors into the workbench's typed errors, in one place, so that
 * callers of the contract never have to know the client's classes. Unknown errors pass through unchanged.
 */
import {
  AccessDeniedError as ClientAccessDeniedError,
  CancelledError as ClientCancelledError,
  DeadlineExceededError as ClientDeadlineExceededError,
  MaxAppendSizeExceededError as ClientMaxAppendSizeExceededError,
  NotLeaderError as ClientNotLeaderError,
  StreamDeletedError as ClientStreamDeletedError,
  UnavailableError as ClientUnavailableError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
} from '@eventstore/db-client';
import {
  BackendUnavailableError,
  EventStoreError,
  InvalidEventError,
  StreamDeletedError,
  WrongExpectedVersionError,
  type ExpectedVersion,
} from '../core/index.ts';
import { fromCurrentRevision, fromExpectedRevision } from './mapping.ts';

export const BACKEND = 'eventstoredb';

/** The stream was tombstoned (hard-deleted): the contract's error (labs/core), as every store throws it. */
export { StreamDeletedError };

/** The server refused the operation for lack of rights (a secure server, or a `$`-stream ACL). */
export class AccessDeniedError extends EventStoreError {}

export interface ErrorContext {
  /** The stream the operation was about, when there is one. */
  streamId?: string;
  /** What the caller expected, in our terms: the error reports it as given (not as the client saw it). */
  expectedVersion?: ExpectedVersion;
}

export function translateError(error: unknown, context: ErrorContext = {}): unknown {
  if (error instanceof EventStoreError) return error;
  if (error instanceof ClientWrongExpectedVersionError) {
    const streamId = context.streamId ?? error.streamName;
    const expected = context.expectedVersion ?? fromExpectedRevision(error.expectedVersion);
    return new WrongExpectedVersionError(streamId, expected, fromCurrentRevision(error.actualVersion));
  }
  if (error instanceof ClientStreamDeletedError) {
    return new StreamDeletedError(context.streamId ?? error.streamName, { cause: error });
  }
  if (error instanceof ClientMaxAppendSizeExceededError) {
    return new InvalidEventError(
      0,
      '(batch)',
      `the batch is larger than the server's MaxAppendSize of ${error.maxAppendSize} bytes; append it in smaller batches`,
    );
  }
  if (error instanceof ClientAccessDeniedError) {
    return new AccessDeniedError(
      `EventStoreDB denied access${context.streamId ? ` to '${context.streamId}'` : ''}: ${error.message}. ` +
        'On a secure server, pass credentials in EVENTSTORE_CONNECTION_STRING (esdb://user:password@host:2113).',
      { cause: error },
    );
  }
  if (
    error instanceof ClientUnavailableError ||
    error instanceof ClientDeadlineExceededError ||
    error instanceof ClientNotLeaderError ||
    error instanceof ClientCancelledError
  ) {
    return new BackendUnavailableError(BACKEND, `${error.constructor.name}: ${error.message}`, { cause: error });
  }
  return error;
}

/** Runs `action`, translating what it throws. */
export async function translated<T>(action: () => Promise<T>, context: ErrorContext = {}): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw translateError(error, context);
  }
}
