/**
 * Crypto-shredding (forgettable payloads): erasing a person's data from an append-only log without
 * touching the log. Fields marked personal are encrypted per data subject with AES-256-GCM (node:crypto),
 * one key per subject, kept by the backend in a `KeyStore` (a PostgreSQL table, a DynamoDB item, a Kafka
 * compacted topic). `forget(subjectId)` destroys the key: every copy of the ciphertext — in the log, in
 * `$all`, in snapshots saved with the protected fields, in backups of the event store — becomes noise,
 * while every event, its version, position, type and other fields stay as they were.
 *
 * The rules, and why:
 * - An encrypted field is an ordinary JSON value (`{"$erasable": {...}}`), so every store keeps it as
 *   it keeps any data, and a snapshot of state that still holds the envelope is as forgettable as the log.
 * - Decrypting a field whose key is gone yields the marker `{"$erased": {"subjectId": ...}}`
 *   (`isErased`), never an exception: a projection rebuilt after `forget` must run to the end, it just
 *   has nothing personal to project. A field that fails authentication with a key that exists is
 *   tampered with: that is an error (TamperedCiphertextError), not an erasure.
 * - The envelope names the key it was encrypted with (a random key id): after `forget`, data written for
 *   the same subject gets a new key, and the old envelopes stay unreadable.
 * - The subject id and key id are authenticated with the ciphertext (GCM's additional data): an envelope
 *   moved to another subject does not decrypt.
 * - Keys are not cached between calls: a cached key would outlive `forget` in that process.
 * What it does not cover: plaintext anyone derived and kept elsewhere (a read model built from revealed
 * data, a log line, a backup of the key store taken before `forget`) — see docs/labs/*.md, "Erasure".
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { EventStoreError } from './errors.ts';
import type { JsonObject, JsonValue } from './types.ts';

/** One subject's key: 32 random bytes for AES-256-GCM, and the id envelopes name it by. */
export interface SubjectKey {
  keyId: string;
  key: Buffer;
}

/** The narrow port a backend implements to keep subjects' keys. */
export interface KeyStore {
  /** The key to encrypt new data for the subject: its key, or a new one stored first if it has none. */
  keyFor(subjectId: string): Promise<SubjectKey>;
  /** The subject's key `keyId`, or undefined when it was destroyed (or never existed). */
  find(subjectId: string, keyId: string): Promise<Buffer | undefined>;
  /** Destroys every key of the subject; returns how many it destroyed (0: it had none). */
  destroy(subjectId: string): Promise<number>;
}

/** A new random key, for KeyStore implementations. */
export function generateSubjectKey(): SubjectKey {
  return { keyId: randomUUID(), key: randomBytes(32) };
}

export interface Envelope {
  $erasable: { subjectId: string; keyId: string; iv: string; tag: string; data: string };
}

export interface ErasedMarker {
  $erased: { subjectId: string };
}

export function isEnvelope(value: unknown): value is Envelope {
  const inner = (value as { $erasable?: unknown } | null)?.$erasable as Record<string, unknown> | undefined;
  return typeof inner === 'object' && inner !== null && ['subjectId', 'keyId', 'iv', 'tag', 'data'].every((k) => typeof inner[k] === 'string');
}

/** True for what a forgotten subject's field reads as. */
export function isErased(value: unknown): value is ErasedMarker {
  return typeof (value as { $erased?: { subjectId?: unknown } } | null)?.$erased?.subjectId === 'string';
}

/** An envelope whose key exists but whose ciphertext does not authenticate: changed after it was written. */
export class TamperedCiphertextError extends EventStoreError {
  readonly subjectId: string;
  constructor(subjectId: string, options?: ErrorOptions) {
    super(`An encrypted field of subject '${subjectId}' does not authenticate with its key: it was changed after it was written`, options);
    this.subjectId = subjectId;
  }
}

export interface ForgetResult {
  subjectId: string;
  /** False when the subject had no key: nothing was forgotten (and nothing needed to be). */
  forgotten: boolean;
  keysDestroyed: number;
  /** For people: what happened. */
  message: string;
}

const additionalData = (subjectId: string, keyId: string) => Buffer.from(`${subjectId}\u0000${keyId}`, 'utf8');

export class CryptoShredder {
  constructor(private readonly keys: KeyStore) {}

  /** `data` with the listed top-level fields encrypted for `subjectId`; the other fields stay as they are. */
  async protect<T extends JsonObject>(subjectId: string, data: T, personalFields: readonly (keyof T & string)[]): Promise<JsonObject> {
    if (typeof subjectId !== 'string' || subjectId.length === 0) throw new TypeError('protect needs a subject id');
    const { keyId, key } = await this.keys.keyFor(subjectId);
    const result: JsonObject = { ...data };
    for (const field of personalFields) {
      if (!(field in data)) continue;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(additionalData(subjectId, keyId));
      const encrypted = Buffer.concat([cipher.update(JSON.stringify(data[field]), 'utf8'), cipher.final()]);
      const envelope: Envelope = {
        $erasable: { subjectId, keyId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: encrypted.toString('base64') },
      };
      result[field] = envelope as unknown as JsonValue;
    }
    return result;
  }

  /** `value` with every envelope decrypted, or replaced by the erased marker where its key is gone. */
  async reveal<T extends JsonValue>(value: T): Promise<T> {
    const found = new Map<string, Buffer | undefined>(); // within this call only (see the rules above)
    const walk = async (v: JsonValue): Promise<JsonValue> => {
      if (isEnvelope(v)) return this.open(v, found);
      if (Array.isArray(v)) return Promise.all(v.map(walk));
      if (v !== null && typeof v === 'object') {
        const out: JsonObject = {};
        for (const [k, inner] of Object.entries(v)) out[k] = await walk(inner);
        return out;
      }
      return v;
    };
    return (await walk(value)) as T;
  }

  /** Destroys the subject's keys. An unknown subject is a no-op that says so. */
  async forget(subjectId: string): Promise<ForgetResult> {
    const keysDestroyed = await this.keys.destroy(subjectId);
    return {
      subjectId,
      forgotten: keysDestroyed > 0,
      keysDestroyed,
      message:
        keysDestroyed > 0
          ? `destroyed ${keysDestroyed} key(s) of subject '${subjectId}': its encrypted fields now read as erased`
          : `subject '${subjectId}' has no key: nothing was forgotten (it never had encrypted data, or was forgotten already)`,
    };
  }

  private async open({ $erasable: e }: Envelope, found: Map<string, Buffer | undefined>): Promise<JsonValue> {
    const cacheKey = `${e.subjectId}\u0000${e.keyId}`;
    if (!found.has(cacheKey)) found.set(cacheKey, await this.keys.find(e.subjectId, e.keyId));
    const key = found.get(cacheKey);
    if (!key) return { $erased: { subjectId: e.subjectId } } satisfies ErasedMarker as unknown as JsonValue;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(e.iv, 'base64'));
      decipher.setAAD(additionalData(e.subjectId, e.keyId));
      decipher.setAuthTag(Buffer.from(e.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(e.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as JsonValue;
    } catch (error) {
      throw new TamperedCiphertextError(e.subjectId, { cause: error });
    }
  }
}
