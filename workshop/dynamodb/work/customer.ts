/**
 * A customer's profile, and the right to be forgotten (GDPR art. 17) on a log that never deletes: the
 * same file on every path (it only talks to the EventStore interface and a CryptoShredder). Step 11's
 * README says what to write; the checker's scenario `workshop.forget-customer` registers a customer
 * with your functions, loads them (your loadCustomer saves a snapshot), forgets them, and then reads
 * every copy of their data it can find: the events, and the snapshot taken BEFORE forget.
 *
 *   profile --protect(name, email)--> event with the personal fields encrypted for the customer --> stream
 *   forget(customer) = destroy the customer's key: every envelope, wherever it was copied, is noise
 *
 * The shredder (labs/core/crypto-shredding.ts) does the cryptography: AES-256-GCM, one key per subject,
 * `protect`, `reveal` (a destroyed key reads as `{ $erased: … }`, never an exception) and `forget`.
 * Your part is where the personal data goes: what is encrypted, what is stored, what is revealed when.
 */
/* eslint-disable @typescript-eslint/no-unused-vars -- until a TODO is filled in, what it needs looks unused */
import type { AppendResult, CryptoShredder, EventStore, ForgetResult, JsonObject, JsonValue, RecordedEvent } from '../../../labs/core/index.ts';

export interface CustomerProfile {
  name: string;
  email: string;
  plan: string;
}

/**
 * The state folded from the stream. `name` and `email` hold what the events hold: as stored, an
 * encrypted envelope; as revealed (what loadCustomer returns), the text, or the erased marker.
 */
export interface CustomerState {
  status: 'none' | 'registered';
  name?: JsonValue;
  email?: JsonValue;
  plan?: string;
}

/** The fields that identify a person: encrypted per customer, the customer id is the subject id. */
export const PERSONAL_FIELDS = ['name', 'email'] as const;

export function initialState(): CustomerState {
  return { status: 'none' };
}

/** Events: CustomerRegistered { name, email, plan }, EmailChanged { email }, PlanChanged { plan }. */
export function evolve(state: CustomerState, event: RecordedEvent): CustomerState {
  throw todo('11', `evolve: apply a ${event.type} event to the customer's state`);
}

/** Appends CustomerRegistered with the personal fields encrypted for the customer (subject = customerId). */
export async function registerCustomer(store: EventStore, shredder: CryptoShredder, customerId: string, profile: CustomerProfile): Promise<AppendResult> {
  throw todo('11', 'registerCustomer: protect the personal fields (shredder.protect), then append CustomerRegistered');
}

/** Appends EmailChanged, the new address encrypted as the first one was. */
export async function changeEmail(store: EventStore, shredder: CryptoShredder, customerId: string, email: string): Promise<AppendResult> {
  throw todo('11', 'changeEmail: append EmailChanged with the address protected like the first one');
}

/**
 * The customer for a screen: starts from the snapshot when there is one, folds the events after it,
 * saves a new snapshot when it folded any, and returns the state REVEALED (the text, or the erased marker).
 */
export async function loadCustomer(store: EventStore, shredder: CryptoShredder, customerId: string): Promise<{ state: CustomerState; streamVersion: number | undefined }> {
  throw todo('11', 'loadCustomer: snapshot + the events after it, fold, save a snapshot, return the state revealed');
}

/** Forgets the customer: destroys their key. Every event stays; their name and email read as erased. */
export async function forgetCustomer(shredder: CryptoShredder, customerId: string): Promise<ForgetResult> {
  throw todo('11', "forgetCustomer: destroy the customer's key (shredder.forget)");
}

function todo(step: string, what: string): Error {
  return new Error(`TODO step ${step}: ${what}`);
}
