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
  // @steps 00..02
  //| throw todo('03', `evolve: apply a ${event.type} event to the cart's state`);
  // @end
  // @steps 03..
  const data = event.data as { customer?: string; sku?: string; qty?: number };
  switch (event.type) {
    case 'CartOpened':
      return { status: 'open', items: {} };
    case 'ItemAdded':
      return { ...state, items: { ...state.items, [data.sku!]: (state.items[data.sku!] ?? 0) + data.qty! } };
    case 'ItemRemoved': {
      const { [data.sku!]: _removed, ...items } = state.items;
      return { ...state, items };
    }
    case 'CartCheckedOut':
      return { ...state, status: 'checked-out' };
    default:
      return state; // an event type this version does not know: ignore it, never fail a read
  }
  // @end
}

/** The rules: which events a command produces in this state, or a CartRuleError. */
export function decide(state: CartState, command: CartCommand): NewEvent[] {
  // @steps 00..02
  //| throw todo('03', `decide: the events of a ${command.type} command, or a CartRuleError`);
  // @end
  // @steps 03..
  switch (command.type) {
    case 'OpenCart':
      if (state.status !== 'none') throw new CartRuleError('the cart is open already');
      return [{ type: 'CartOpened', data: { customer: command.customer } }];
    case 'AddItem':
      if (state.status !== 'open') throw new CartRuleError(`cannot add to a cart that is ${state.status === 'none' ? 'not open' : 'checked out'}`);
      if (!Number.isInteger(command.qty) || command.qty < 1) throw new CartRuleError('add at least one item');
      return [{ type: 'ItemAdded', data: { sku: command.sku, qty: command.qty } }];
    case 'RemoveItem':
      if (state.status !== 'open') throw new CartRuleError('cannot remove from a cart that is not open');
      if (!(command.sku in state.items)) throw new CartRuleError(`${command.sku} is not in the cart`);
      return [{ type: 'ItemRemoved', data: { sku: command.sku } }];
    case 'CheckOut':
      if (state.status !== 'open') throw new CartRuleError('only an open cart can be checked out');
      if (Object.keys(state.items).length === 0) throw new CartRuleError('an empty cart cannot be checked out');
      return [{ type: 'CartCheckedOut', data: {} }];
  }
  // @end
}

/**
 * The command handler: read the cart's stream, fold it into state, decide, and append the new events
 * with the version you read as the expected version — so a decision taken on a state that another writer
 * changed meanwhile is refused (WrongExpectedVersionError), never written. (labs/core/aggregate.ts,
 * `loadAggregate`, does the read-and-fold part too; here you write it.)
 */
export async function handle(store: EventStore, cartId: string, command: CartCommand): Promise<AppendResult> {
  // @steps 00..02
  //| throw todo('03', `handle: read '${cartId}', fold with evolve, decide ${command.type}, append with the version read`);
  // @end
  // @steps 03..
  const events = await store.readStream(cartId);
  const state = events.reduce(evolve, initialState());
  const version = events.at(-1)?.streamVersion;
  return store.appendToStream(cartId, decide(state, command), { expectedVersion: version ?? 'no_stream' });
  // @end
}
// @steps 00..02
//|
//| function todo(step: string, what: string): Error {
//|   return new Error(`TODO step ${step}: ${what}`);
//| }
// @end
