// One expensive request per turn of the event loop. Under load every connection has a request waiting;
// if all of them are scored in one turn, a health check that arrives meanwhile waits for the whole batch
// (32 × the cost of a recommendation). Handing out one turn at a time lets the loop read new requests
// between scorings, so a cheap request waits for at most one scoring (issue 13: /healthz p99 < 20 ms).

const waiting: (() => void)[] = [];
let scheduled = false;

function next(): void {
  const resume = waiting.shift();
  // Resolving runs the waiting handler as a microtask right after this callback, before the loop moves on.
  resume?.();
  if (waiting.length > 0) setImmediate(next);
  else scheduled = false;
}

/** Resolves on a later turn of the event loop, in arrival order, one waiter per turn. */
export function myTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(next);
    }
  });
}

/** How many handlers are waiting for their turn (for tests and diagnostics). */
export const waitingTurns = (): number => waiting.length;
