/**
 * Shared pieces of the message tests: the vector files typed, local users
 * and an entity directory built from vector accounts, and a serialiser that
 * writes JSON the way Python's `json.dumps` does (to compare encrypted bytes
 * with the reference byte for byte).
 *
 * @module
 */
import {
  generatePrivateKey,
  parsePrivateKey,
  type PrivateKey,
} from "../../../dimp/crypto/mod.ts";
import {
  Document,
  DocumentType,
  EntityType,
  type ID,
  Meta,
  MetaType,
  parseId,
} from "../../../dimp/identity/mod.ts";
import type { EntityDirectory, LocalUser } from "../../../dimp/message/mod.ts";
import { loadVectors } from "../../_vectors.ts";
import type { KeyJson, MessagesUser } from "../_vectors.ts";

/** A JSON object. */
export type Json = Record<string, unknown>;

/** One `messages.json` `messages[]` entry. */
export interface MessageVector {
  readonly label: string;
  readonly sender: string;
  readonly receiver: string;
  readonly content_input: Json;
  readonly instant_before_encrypt: Json;
  readonly symmetric_key: Json;
  readonly secure: Json;
  readonly reliable: Json;
  readonly wire: string;
  readonly plaintext: string;
  readonly signature_check: Record<string, unknown>;
  readonly decrypted_key_json?: Record<string, string>;
  readonly receiver_checks: Record<
    string,
    { decrypted_content: Json; precondition?: string }
  >;
  readonly reliable_without_key?: Json;
  readonly negative_no_cache?: { reader: string; error: string };
}

/** One `contents[]` entry. */
export interface ContentVector {
  readonly label: string;
  readonly built: Json;
  readonly outgoing: Json;
  readonly serialized: string;
  readonly incoming_normalized?: Json;
  readonly parsed_as: string;
}

/** One `incoming_compat[]` entry. */
export interface CompatVector {
  readonly label: string;
  readonly received: Json;
  readonly normalized: Json;
  readonly parsed_as: string;
}

/** A 2021 account. */
export interface Account2021 {
  readonly id: string;
  readonly private_key: KeyJson;
  readonly meta: Json;
}

/** The 2021 part. */
export interface Legacy2021 {
  readonly accounts: Record<string, Account2021>;
  readonly group: { id: string; meta: Json; members: string[] };
  readonly messages: {
    label: string;
    instant: Json;
    symmetric_key: Json;
    plaintext: string;
    reliable: Json;
    wire: string;
  }[];
  readonly contents: { label: string; json: string }[];
  readonly checks_by_current_reference: {
    label: string;
    signature_pkcs1_15_over_decoded_data: boolean;
    decrypted_by_current_reference: Record<
      string,
      { key_json: string; content: Json }
    >;
  }[];
}

/** `messages.json`, typed. */
export interface MessagesFile {
  readonly fixed_inputs: {
    aes_key: Json;
    iv_base64: string;
    time: number;
    text: string;
  };
  readonly accounts: {
    alice: MessagesUser;
    bob: MessagesUser;
    carol: MessagesUser;
    group: { id: string; meta: Json; bulletin: Json; members: string[] };
  };
  readonly messages: MessageVector[];
  readonly shortened: {
    reliable_short: string;
    symmetric_key_short: string;
    content_short: string;
    receiver_check: Record<string, { decrypted_content: Json }>;
    expanded_by_dimples: Json;
    key_expanded_by_dimples: Json;
    content_expanded_by_dimples: Json;
  };
  readonly contents: ContentVector[];
  readonly incoming_compat: CompatVector[];
  readonly legacy2021: Legacy2021;
}

/** `messages.json`. */
export function messagesFile(): MessagesFile {
  return loadVectors("messages") as MessagesFile;
}

/** One `reference-generated.json` `messages[]` entry. */
export interface ReferenceMessage {
  readonly label: string;
  readonly kind: string;
  readonly sender: string;
  readonly receiver: string;
  readonly group: string | null;
  readonly content: Json;
  readonly wire: string;
  readonly plaintext: string;
  readonly checks: Record<
    string,
    {
      verified: boolean;
      decrypted: boolean;
      content_equal: boolean;
      decrypted_content: Json;
    }
  >;
}

/** A `reference-generated.json` account (the parts used here). */
export interface ReferenceAccountKeys {
  readonly id: string;
  readonly id_private_key: KeyJson;
  readonly meta: Json;
  readonly msg_private_keys: KeyJson[];
  readonly document: Json;
}

/** The message parts of `reference-generated.json`. */
export function referenceMessages(): {
  messages: ReferenceMessage[];
  accounts: ReferenceAccountKeys[];
  actors: Record<string, string>;
} {
  return loadVectors("reference-generated") as {
    messages: ReferenceMessage[];
    accounts: ReferenceAccountKeys[];
    actors: Record<string, string>;
  };
}

/** An {@link EntityDirectory} over maps, filled by the test. */
export class MapDirectory implements EntityDirectory {
  readonly metas = new Map<string, Meta>();
  readonly visas = new Map<string, Document>();
  readonly groups = new Map<string, ID[]>();

  /** Adds an entity's meta (and visa / bulletin). */
  add(id: string, meta: Json | Meta, document?: Json | Document): this {
    this.metas.set(id, meta instanceof Meta ? meta : Meta.parse(meta));
    if (document !== undefined) {
      this.visas.set(
        id,
        document instanceof Document ? document : Document.parse(document),
      );
    }
    return this;
  }

  /** Sets a group's members. */
  setMembers(group: string, members: readonly string[]): this {
    this.groups.set(group, members.map((m) => parseId(m)));
    return this;
  }

  meta(id: ID): Promise<Meta | undefined> {
    return Promise.resolve(this.metas.get(id.value));
  }

  visa(id: ID): Promise<Document | undefined> {
    return Promise.resolve(this.visas.get(id.value));
  }

  members(group: ID): Promise<readonly ID[]> {
    return Promise.resolve(this.groups.get(group.value) ?? []);
  }
}

/** Private keys that may decrypt: the message keys, then the ID key if RSA. */
export function decryptKeys(
  messageKeys: readonly KeyJson[],
  idKey: PrivateKey,
): PrivateKey[] {
  const keys = messageKeys.map((k) => parsePrivateKey(k));
  if (idKey.algorithm === "RSA") keys.push(idKey);
  return keys;
}

/** A local user of `messages.json` (alice, bob, carol). */
export function messagesUser(user: MessagesUser): LocalUser {
  const signKey = parsePrivateKey(user.id_private_key);
  return {
    id: parseId(user.id),
    signKey,
    decryptKeys: decryptKeys([user.msg_private_key], signKey),
    meta: Meta.parse(user.meta),
    visa: Document.parse(user.visa),
  };
}

/** The directory of `messages.json`: alice, bob, carol and the group. */
export function messagesDirectory(): MapDirectory {
  const { accounts } = messagesFile();
  const directory = new MapDirectory();
  for (const user of [accounts.alice, accounts.bob, accounts.carol]) {
    directory.add(user.id, user.meta, user.visa);
  }
  directory.add(
    accounts.group.id,
    accounts.group.meta,
    accounts.group.bulletin,
  );
  directory.setMembers(accounts.group.id, accounts.group.members);
  return directory;
}

/** A local user of `reference-generated.json`, by ID. */
export function referenceUser(id: string): LocalUser {
  const account = referenceMessages().accounts.find((a) => a.id === id);
  if (account === undefined) throw new Error(`no reference account ${id}`);
  const signKey = parsePrivateKey(account.id_private_key);
  return {
    id: parseId(id),
    signKey,
    decryptKeys: decryptKeys(account.msg_private_keys, signKey),
    meta: Meta.parse(account.meta),
    visa: Document.parse(account.document),
  };
}

/** The directory of `reference-generated.json` (every account). */
export function referenceDirectory(): MapDirectory {
  const directory = new MapDirectory();
  for (const account of referenceMessages().accounts) {
    directory.add(account.id, account.meta, account.document);
  }
  return directory;
}

/**
 * JSON as Python's `json.dumps` writes it by default: `", "` and `": "`
 * separators, insertion order, every code unit outside 0x20..0x7E escaped
 * as lower-case `\uXXXX` (or its short escape).
 */
export function pythonJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
    );
  }
  if (Array.isArray(value)) {
    return "[" + value.map(pythonJson).join(", ") + "]";
  }
  return "{" +
    Object.entries(value).map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
      .join(", ") +
    "}";
}

/** A fresh account: its local user and what others know of it. */
export interface NewAccount {
  readonly user: LocalUser;
  readonly meta: Meta;
  readonly visa: Document;
  readonly visaKey: PrivateKey;
}

/**
 * A new MKM account: identity key of `algorithm`, RSA visa key, meta and a
 * visa signed by the identity key.
 */
export async function newAccount(
  name: string,
  algorithm: "RSA" | "ECC",
  type: number = EntityType.USER,
): Promise<NewAccount> {
  const idKey = await generatePrivateKey(algorithm);
  const meta = await Meta.generate(MetaType.MKM, idKey, name);
  const id = meta.generateId(type);
  const visaKey = await generatePrivateKey("RSA");
  const visa = Document.create(id, DocumentType.VISA);
  visa.setProperty("name", name);
  visa.setVisaKey(visaKey.publicKey);
  await visa.sign(idKey);
  return {
    user: {
      id,
      signKey: idKey,
      decryptKeys: algorithm === "RSA" ? [visaKey, idKey] : [visaKey],
      meta,
      visa,
    },
    meta,
    visa,
    visaKey,
  };
}

/** Three new accounts and a directory that knows their metas and visas. */
export interface AliceBobStation {
  readonly alice: NewAccount;
  readonly bob: NewAccount;
  readonly station: NewAccount;
  readonly directory: MapDirectory;
}

/**
 * Alice (an RSA identity), Bob (ECC) and a station (ECC, station type), all
 * known to one {@link MapDirectory}: the parties of the message benchmarks.
 */
export async function aliceBobStation(): Promise<AliceBobStation> {
  const alice = await newAccount("alice", "RSA");
  const bob = await newAccount("bob", "ECC");
  const station = await newAccount("station", "ECC", EntityType.STATION);
  const directory = new MapDirectory();
  for (const a of [alice, bob, station]) {
    directory.add(a.user.id.value, a.meta, a.visa);
  }
  return { alice, bob, station, directory };
}
