/**
 * Your first aggregate: a shopping cart, rebuilt from its stream and deciding on commands. The same file on
 * every path (it only talks to the EventStore interface). Step 03's README says what to write; the
 * checker's scenario `workshop.aggregate` runs your `handle` against your store and folds the events it
 * reads back with your `evolve`.
 *
 *   command --decide(state)--> new events --append (expected version = the one read)--> stream
 *   stream --read--> events --fold with evolve--> state
 */
import type { AppendResult, EventStore, NewEvent, RecordedEvent } from '../../../labs/core/index.ts';

export interface CartState {
  status: 'none' | 'open' | 'checked-out';
  /** sku -> quantity; a removed item is deleted, not kept at 0. */
  items: Record<string, number>;
}

export type CartCommand =
  | { type: 'OpenCart'; customer: string }
  | { type: 'AddItem'; sku: string; qty: number }
  | { type: 'RemoveItem'; sku: string }
  | { type: 'CheckOut' };

/** A command the cart's rules refuse (nothing is appended). */
export class CartRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CartRuleError';
  }
}

export function initialState(): CartState {
  return { status: 'none', items: {} };
}

/**
 * One event applied to the state: no rules here (the event happened), no I/O, no clock. Events:
 * CartOpened { customer }, ItemAdded { sku, qty }, ItemRemoved { sku }, CartCheckedOut {}.
 */
export function evolve(state: CartState, event: RecordedEvent): CartState {
  throw todo('03', `evolve: apply a ${event.type} event to the cart's state`);
}

/** The rules: which events a command produces in this state, or a CartRuleError. */
export function decide(state: CartState, command: CartCommand): NewEvent[] {
  throw todo('03', `decide: the events of a ${command.type} command, or a CartRuleError`);
}

/**
 * The command handler: read the cart's stream, fold it into state, decide, and append the new events
 * with the version you read as the expected version — so a decision taken on a state that another writer
 * changed meanwhile is refused (WrongExpectedVersionError), never written. (labs/core/aggregate.ts,
 * `loadAggregate`, does the read-and-fold part too; here you write it.)
 */
export async function handle(store: EventStore, cartId: string, command: CartCommand): Promise<AppendResult> {
  throw todo('03', `handle: read '${cartId}', fold with evolve, decide ${command.type}, append with the version read`);
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
