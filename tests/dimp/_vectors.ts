/**
 * Typed access to the identity / crypto parts of the vector files.
 *
 * @module
 */
import { loadVectors } from "../_vectors.ts";

/** One entry of `identity.json`. */
export interface Vector<
  I = Record<string, unknown>,
  E = Record<string, unknown>,
> {
  readonly id: string;
  readonly kind: string;
  readonly description: string;
  readonly input: I;
  readonly expect: E;
}

/** Every `identity.json` vector of one kind. */
export function identityVectors<I, E>(kind: string): Vector<I, E>[] {
  const file = loadVectors("identity") as { vectors: Vector<I, E>[] };
  return file.vectors.filter((v) => v.kind === kind);
}

/** A key dictionary as found in the vectors. */
export type KeyJson = Record<string, unknown>;

/** An account of `reference-generated.json`. */
export interface ReferenceAccount {
  readonly label: string;
  readonly entity: string;
  readonly network: number;
  readonly meta_type: string;
  readonly key_algorithm: "RSA" | "ECC";
  readonly seed: string | null;
  readonly id: string;
  readonly address: string;
  readonly id_private_key: KeyJson;
  readonly id_public_key: KeyJson;
  readonly meta: Record<string, unknown>;
  readonly msg_private_keys: KeyJson[];
  readonly document: Record<string, unknown>;
  readonly document_type: string;
  readonly founder?: string;
  readonly checks: Record<string, boolean>;
}

/** A signature / encryption entry of `reference-generated.json` `crypto`. */
export interface ReferenceCrypto {
  readonly label: string;
  readonly algorithm?: "RSA" | "ECC";
  readonly data_utf8?: string;
  readonly signature_base64?: string;
  readonly verified?: boolean;
  readonly msg_key_encrypt_base64?: string;
  readonly msg_key_decrypts?: boolean;
  readonly key?: KeyJson;
  readonly IV_base64?: string;
  readonly plaintext_utf8?: string;
  readonly ciphertext_base64?: string;
}

/** The parts of `reference-generated.json` the identity core checks. */
export interface ReferenceGenerated {
  readonly digests: Record<string, string>;
  readonly encodings: { hex: string; base58: string; base64: string }[];
  readonly accounts: ReferenceAccount[];
  readonly accounts_not_supported: {
    entity: string;
    meta_type: string;
    key_algorithm: string;
    error: string;
  }[];
  readonly crypto: ReferenceCrypto[];
}

/** `reference-generated.json`. */
export function referenceGenerated(): ReferenceGenerated {
  return loadVectors("reference-generated") as ReferenceGenerated;
}

/** An account of `messages.json` (alice, bob, carol). */
export interface MessagesUser {
  readonly name: string;
  readonly id: string;
  readonly id_key_algorithm: "RSA" | "ECC";
  readonly id_private_key: KeyJson;
  readonly id_public_key: KeyJson;
  readonly msg_private_key: KeyJson;
  readonly msg_public_key: KeyJson;
  readonly meta: Record<string, unknown>;
  readonly visa: Record<string, unknown>;
}

/** The group of `messages.json`. */
export interface MessagesGroup {
  readonly id: string;
  readonly meta: Record<string, unknown>;
  readonly bulletin: Record<string, unknown>;
  readonly members: string[];
  readonly founder_private_key: KeyJson;
}

/** `messages.json` accounts. */
export function messagesAccounts(): {
  alice: MessagesUser;
  bob: MessagesUser;
  carol: MessagesUser;
  group: MessagesGroup;
} {
  return (loadVectors("messages") as {
    accounts: {
      alice: MessagesUser;
      bob: MessagesUser;
      carol: MessagesUser;
      group: MessagesGroup;
    };
  }).accounts;
}
