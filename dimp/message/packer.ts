/**
 * The message packer (spec messages.md §3, §4): instant → secure → reliable
 * and back, for one local user. Pure: the entity directory, the local keys
 * and the cipher-key cache are injected.
 *
 * @module
 */
import {
  base64Encode,
  decodeTed,
  generateSymmetricKey,
  parseSymmetricKey,
  PLAIN_KEY,
  type PrivateKey,
  type PublicKey,
  type SymmetricKey,
  utf8Decode,
  utf8Encode,
} from "../crypto/mod.ts";
import { Document, type ID, Meta } from "../identity/mod.ts";
import {
  type Content,
  fixAttachments,
  incomingCompat,
  outgoingCompat,
} from "../content/mod.ts";
import { isRecord } from "../content/_values.ts";
import { bytesEqual } from "../crypto/_der.ts";
import {
  DecryptionError,
  KeyNotFoundError,
  MessageFormatError,
  MessageSignatureError,
} from "./errors.ts";
import type { EnvelopeOptions } from "./envelope.ts";
import { requireRecord } from "./_require.ts";
import { InstantMessage } from "./instant.ts";
import { type CipherKeyCache, MemoryCipherKeyCache } from "./key_cache.ts";
import { ReliableMessage } from "./reliable.ts";
import { dataMadeHere, knowDataBytes, SecureMessage } from "./secure.ts";
import { expandContentKeys } from "./short_keys.ts";
import { BoundedMap } from "../bounded_map.ts";

/**
 * What the packer needs to know about other entities ("facebook"). The
 * documents returned are trusted: verify them when you store them.
 */
export interface EntityDirectory {
  /** The meta of an entity, if known. */
  meta(id: ID): Promise<Meta | undefined>;
  /** The newest visa of a user, if known. */
  visa(id: ID): Promise<Document | undefined>;
  /** The members of a group (empty when unknown). */
  members(group: ID): Promise<readonly ID[]>;
}

/**
 * The local user the packer signs and decrypts for.
 */
export interface LocalUser {
  /** Its ID. */
  readonly id: ID;
  /** The identity (meta) private key: signs every message. */
  readonly signKey: PrivateKey;
  /**
   * Every private key a message key may have been encrypted for: the visa
   * keys of all generations (newest first), then the meta key if RSA.
   */
  readonly decryptKeys: readonly PrivateKey[];
  /** Its meta, attached on request. */
  readonly meta?: Meta;
  /** Its newest visa, attached on request. */
  readonly visa?: Document;
}

/**
 * The valid attachments of a verified message, offered to be saved.
 */
export interface Attachments {
  /** The sender's meta (fingerprint verified, matches the sender). */
  readonly meta?: Meta;
  /** The sender's visa (signature verified with the meta key). */
  readonly visa?: Document;
}

/**
 * How the packer is wired.
 */
export interface MessagePackerOptions {
  /** The local user. */
  readonly user: LocalUser;
  /** Metas, visas and group members of others. */
  readonly directory: EntityDirectory;
  /** Message keys per direction (default: a new {@link MemoryCipherKeyCache}). */
  readonly cipherKeys?: CipherKeyCache;
  /**
   * Called by {@link MessagePacker.verify} with the attached meta / visa
   * that passed validation (before the signature check, as the reference).
   */
  readonly onAttachments?: (
    sender: ID,
    attachments: Attachments,
  ) => void | Promise<void>;
  /**
   * Reuse the RSA-encrypted form of a reused message key while the
   * receiver's public key is unchanged, so that another message in the same
   * direction costs one AES encryption and one signature (default `true`).
   */
  readonly reuseEncryptedKeys?: boolean;
  /**
   * How a content dictionary becomes the bytes that are encrypted (default:
   * UTF-8 of compact `JSON.stringify`, which an AES key writes straight into
   * its cipher's input).
   */
  readonly encodeContent?: (content: Record<string, unknown>) => Uint8Array;
}

/**
 * Options of {@link MessagePacker.sign} and {@link MessagePacker.pack}.
 */
export interface SignOptions {
  /** Attach the local user's meta and visa (first contact, handshake). */
  readonly attach?: boolean;
}

/**
 * How many opened message keys are remembered by their ciphertext: a peer
 * that reuses its encrypted key (as this packer does) then costs no RSA
 * decryption per message.
 */
const UNSEALED_CACHE_SIZE = 4096;

/**
 * How many receivers' sealed message keys are remembered (a station seals
 * one for each user it answers), and how many keys of one receiver (a
 * direct chat's and a few groups').
 */
const SEALED_CACHE_SIZE = 65_536;
const SEALED_PER_RECEIVER = 4;

/** A message key sealed for one receiver's public key. */
interface SealedKey {
  readonly password: SymmetricKey;
  readonly publicKey: PublicKey;
  readonly sealed: string;
}

/** Members of an instant message its secure message does not carry over. */
const NOT_ENCRYPTED = ["content", "data", "key", "keys", "signature"];
/** Members of a secure message its instant message does not carry over. */
const NOT_DECRYPTED = ["data", "key", "keys"];

/**
 * A copy of a message's members but those in `left` (the envelope, and
 * whatever else the sender put there), in their order: no array of pairs
 * per message, as `Object.entries` makes.
 */
function _copyBut(
  dict: Record<string, unknown>,
  left: readonly string[],
): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const name in dict) {
    if (Object.hasOwn(dict, name) && !left.includes(name)) {
      copy[name] = dict[name];
    }
  }
  return copy;
}

/**
 * Packs and unpacks messages for one local user.
 *
 * @example
 * ```ts ignore
 * const packer = new MessagePacker({ user, directory });
 * const wire = (await packer.packContent(bob, TextContent.create("Hi"))).serialize();
 * const received = await packer.unpack(ReliableMessage.parse(frame));
 * received.content; // a TextContent, a HandshakeCommand, ...
 * ```
 */
export class MessagePacker {
  readonly #user: LocalUser;
  readonly #directory: EntityDirectory;
  readonly #cache: CipherKeyCache;
  readonly #onAttachments: MessagePackerOptions["onAttachments"];
  readonly #reuseSealed: boolean;
  readonly #encode:
    | ((content: Record<string, unknown>) => Uint8Array)
    | undefined;
  /**
   * Sealed keys by receiver, newest first. Ordinary maps, not WeakMaps by
   * key object: each WeakMap entry is an ephemeron, which V8 marks again in
   * the final pause of every full GC — a station's packer seals a key for
   * each of its users.
   */
  readonly #sealed = new BoundedMap<string, SealedKey[]>(SEALED_CACHE_SIZE);
  /** Encrypted keys already opened (a peer that reuses its sealed key). */
  readonly #unsealed = new BoundedMap<string, SymmetricKey>(
    UNSEALED_CACHE_SIZE,
  );

  /** Creates a packer. */
  constructor(options: MessagePackerOptions) {
    this.#user = options.user;
    this.#directory = options.directory;
    this.#cache = options.cipherKeys ?? new MemoryCipherKeyCache();
    this.#onAttachments = options.onAttachments;
    this.#reuseSealed = options.reuseEncryptedKeys ?? true;
    this.#encode = options.encodeContent;
  }

  /** The local user. */
  get user(): LocalUser {
    return this.#user;
  }

  /** The cipher-key cache in use. */
  get cipherKeys(): CipherKeyCache {
    return this.#cache;
  }

  /**
   * Encrypts (spec §3.1–§3.4): applies the outgoing compatibility to the
   * content (in place), serialises it, encrypts it with the direction's
   * key (a new AES-256 key when none is cached; PLAIN for broadcasts, whose
   * `data` is the JSON text), writes a fresh `IV` unless the message has
   * one, encrypts the key for the receiver's visa key (else RSA meta key) as
   * `key` or for every member of a group receiver as `keys`, and sets the
   * envelope `type`.
   *
   * @throws {KeyNotFoundError} no encryption key for the receiver (or for
   *   any group member): query its documents and retry
   */
  async encrypt(msg: InstantMessage): Promise<SecureMessage> {
    const content = msg.content.dictionary;
    outgoingCompat(content);
    // the JSON text, encrypted as its UTF-8 (unless encoded otherwise)
    const body = this.#encode?.(content) ?? JSON.stringify(content);
    const dict = _copyBut(msg.dictionary, NOT_ENCRYPTED);
    let ciphertext: Uint8Array | undefined;
    if (msg.isBroadcast) {
      dict.data = typeof body === "string" ? body : utf8Decode(body);
    } else {
      const password = await this.#passwordFor(msg.sender, msg.destination);
      ciphertext = await password.encrypt(body, dict);
      dict.data = base64Encode(ciphertext);
      const receiver = msg.receiver;
      if (receiver.isGroup) {
        dict.keys = await this.#sealForMembers(password, receiver);
      } else {
        const sealed = await this.#seal(password, receiver);
        if (sealed === undefined) {
          throw new KeyNotFoundError("encrypt", receiver.value);
        }
        dict.key = sealed;
      }
    }
    if (typeof content.type === "number") dict.type = content.type;
    const secure = SecureMessage.parse(dict);
    if (ciphertext !== undefined) knowDataBytes(secure, ciphertext);
    return secure;
  }

  /**
   * Signs (spec §3.5): the identity key signs the bytes `data` stands for
   * (decoded ciphertext, or the UTF-8 text of a broadcast).
   *
   * @throws {MessageFormatError} the sender is not the local user
   */
  async sign(
    msg: SecureMessage,
    options: SignOptions = {},
  ): Promise<ReliableMessage> {
    if (!msg.sender.withoutTerminal().equals(this.#user.id)) {
      throw new MessageFormatError(
        "sender",
        `${msg.sender.value} is not the local user ${this.#user.id.value}`,
      );
    }
    const dict: Record<string, unknown> = { ...msg.dictionary };
    dict.signature = base64Encode(await this.#user.signKey.sign(msg.dataBytes));
    if (options.attach) {
      if (this.#user.meta !== undefined) {
        dict.meta = { ...this.#user.meta.dictionary };
      }
      if (this.#user.visa !== undefined) {
        dict.visa = this.#user.visa.toDictionary();
      }
      fixAttachments(dict);
    }
    const signed = ReliableMessage.parse(dict);
    // its data the base64 made here still, and its bytes: its frame is
    // written from them (its JSON split at its data), so the base64 text
    // need not live until the write
    if (dataMadeHere(msg)) knowDataBytes(signed, msg.dataBytes);
    return signed;
  }

  /** {@link MessagePacker.encrypt}, then {@link MessagePacker.sign}. */
  async pack(
    msg: InstantMessage,
    options: SignOptions = {},
  ): Promise<ReliableMessage> {
    return this.sign(await this.encrypt(msg), options);
  }

  /**
   * Packs a content from the local user to `receiver` (now, with the given
   * envelope options): the usual way to send a reply.
   */
  packContent(
    receiver: ID,
    content: Content,
    options: EnvelopeOptions & SignOptions = {},
  ): Promise<ReliableMessage> {
    const msg = InstantMessage.create(
      this.#user.id,
      receiver,
      content,
      options,
    );
    return this.pack(msg, options);
  }

  /**
   * Makes the key of the direction to `receiver` now (unless one is cached)
   * and encrypts it for the receiver's visa key (else RSA meta key), as the
   * first message to it would — which then reuses both and costs no RSA: a
   * client that knows whom it will talk to first (its station) prepares
   * that ahead. Returns the sealed key (the `key` of that message), or
   * `undefined` when no encryption key for `receiver` is known.
   *
   * @example
   * ```ts ignore
   * await packer.sealKeyFor(station); // before connecting
   * await packer.packContent(station, offer); // AES and a signature only
   * ```
   */
  async sealKeyFor(receiver: ID): Promise<string | undefined> {
    const password = await this.#passwordFor(this.#user.id, receiver);
    return await this.#seal(password, receiver);
  }

  /**
   * Verifies (spec §4): validates the attached meta (fingerprint, matches the
   * sender — else ignored) and visa (must belong to the sender; signature by
   * the meta key — else ignored) and offers them to `onAttachments`, then
   * checks the signature over the bytes `data` stands for with the meta key,
   * then the visa key.
   *
   * @throws {MessageFormatError} an attached visa of another ID, or `data`
   *   that is not base64
   * @throws {KeyNotFoundError} the sender's meta is unknown and none valid
   *   is attached (suspend, query, retry)
   * @throws {MessageSignatureError} no key of the sender verifies
   */
  async verify(msg: ReliableMessage): Promise<ReliableMessage> {
    const sender = msg.sender.withoutTerminal();
    const knownMeta = await this.#directory.meta(sender);
    const attachedMeta = await this.#attachedMeta(msg, sender, knownMeta);
    const meta = attachedMeta ?? knownMeta;
    const knownVisa = msg.visa === undefined
      ? undefined
      : await this.#directory.visa(sender);
    const attachedVisa = await this.#attachedVisa(msg, sender, meta, knownVisa);
    // the stored meta and visa attached again (a station's, on every
    // handshake): nothing to offer
    if (
      (attachedMeta !== undefined && attachedMeta !== knownMeta) ||
      (attachedVisa !== undefined && attachedVisa !== knownVisa)
    ) {
      await this.#onAttachments?.(sender, {
        meta: attachedMeta,
        visa: attachedVisa,
      });
    }
    if (meta === undefined) throw new KeyNotFoundError("verify", sender.value);
    const data = msg.dataBytes;
    const signature = msg.signatureBytes;
    if (await meta.key.verify(data, signature)) return msg;
    const visa = attachedVisa ?? await this.#directory.visa(sender);
    const visaKey = visa === undefined ? undefined : this.#visaKey(visa);
    if (
      visaKey !== undefined && !visaKey.equals(meta.key) &&
      await visaKey.verify(data, signature)
    ) {
      return msg;
    }
    throw new MessageSignatureError(sender.value);
  }

  /**
   * Decrypts (spec §4): for a broadcast `data` is the content; else the
   * message key is `key` / `keys[me]` / `keys[me/terminal]` decrypted with
   * the local private keys, or — when none is present — the key cached for
   * the direction. The content is parsed, short names expanded and the
   * incoming compatibility applied; the key is cached for the direction.
   *
   * @throws {DecryptionError} not for us, no key, a key or content that does
   *   not decrypt, a plaintext that is not a JSON object
   * @throws {MessageFormatError} `data`, `key` or `IV` that is not base64
   */
  async decrypt(msg: SecureMessage): Promise<InstantMessage> {
    const sender = msg.sender;
    const receiver = msg.receiver;
    const me = this.#user.id;
    let password: SymmetricKey;
    let opened:
      | { password: SymmetricKey; content: Record<string, unknown> }
      | undefined;
    if (msg.isBroadcast) {
      password = PLAIN_KEY;
    } else {
      if (!receiver.isGroup && !receiver.withoutTerminal().equals(me)) {
        throw new DecryptionError(
          "not-for-me",
          `message to ${receiver.value}, local user is ${me.value}`,
          sender.value,
        );
      }
      const encrypted = msg.encryptedKeys(me);
      if (encrypted.length === 0) {
        const cached = await this.#cache.get(sender, msg.destination);
        if (cached === undefined) {
          throw new DecryptionError(
            "no-key",
            `no key for ${me.value} and none cached for ${sender.value} -> ${msg.destination.value}`,
            sender.value,
          );
        }
        password = cached;
      } else {
        opened = await this.#openWithCachedKey(msg, encrypted);
        password = opened?.password ?? await this.#unseal(encrypted, sender);
      }
    }
    const content = opened?.content ?? await this.#openContent(msg, password);
    if (!msg.isBroadcast) {
      await this.#cache.set(sender, msg.destination, password);
    }
    const dict = _copyBut(msg.dictionary, NOT_DECRYPTED);
    dict.content = content;
    return InstantMessage.parse(dict);
  }

  /** {@link MessagePacker.verify}, then {@link MessagePacker.decrypt}. */
  async unpack(msg: ReliableMessage): Promise<InstantMessage> {
    return this.decrypt(await this.verify(msg));
  }

  /** The direction's cached key, or a new one (cached). */
  async #passwordFor(sender: ID, destination: ID): Promise<SymmetricKey> {
    const cached = await this.#cache.get(sender, destination);
    if (cached !== undefined) return cached;
    const password = generateSymmetricKey();
    await this.#cache.set(sender, destination, password);
    return password;
  }

  /** The visa `key` (the document keeps it parsed), if usable. */
  #visaKey(visa: Document): PublicKey | undefined {
    try {
      return visa.visaKey();
    } catch {
      return undefined;
    }
  }

  /** The key to encrypt message keys for `id`: visa key, else RSA meta key. */
  async #encryptionKey(id: ID): Promise<PublicKey | undefined> {
    const user = id.withoutTerminal();
    const visa = await this.#directory.visa(user);
    const visaKey = visa === undefined ? undefined : this.#visaKey(visa);
    if (visaKey?.encrypt !== undefined) return visaKey;
    const meta = await this.#directory.meta(user);
    return meta?.key.encrypt !== undefined ? meta.key : undefined;
  }

  /** base64(RSA(receiver key, key JSON)), reused while the key is unchanged. */
  async #seal(
    password: SymmetricKey,
    receiver: ID,
  ): Promise<string | undefined> {
    const publicKey = await this.#encryptionKey(receiver);
    if (publicKey?.encrypt === undefined) return undefined;
    const memo = this.#sealed.get(receiver.value);
    const hit = memo?.find((entry) => entry.password === password);
    if (
      hit !== undefined &&
      (hit.publicKey === publicKey || hit.publicKey.equals(publicKey))
    ) {
      return hit.sealed;
    }
    const json = utf8Encode(JSON.stringify(password.toDictionary()));
    const sealed = base64Encode(await publicKey.encrypt(json));
    if (this.#reuseSealed) {
      const others = memo?.filter((entry) => entry.password !== password) ??
        [];
      this.#sealed.set(receiver.value, [
        { password, publicKey, sealed },
        ...others.slice(0, SEALED_PER_RECEIVER - 1),
      ]);
    }
    return sealed;
  }

  /** `keys` for every member of `group` with an encryption key. */
  async #sealForMembers(
    password: SymmetricKey,
    group: ID,
  ): Promise<Record<string, string>> {
    const keys: Record<string, string> = {};
    for (const member of await this.#directory.members(group)) {
      const sealed = await this.#seal(password, member);
      if (sealed !== undefined) keys[member.value] = sealed;
    }
    if (Object.keys(keys).length === 0) {
      throw new KeyNotFoundError("encrypt", group.value);
    }
    return keys;
  }

  /**
   * A sender that keeps its key for a direction but encrypts it for us anew
   * with every message (RSA PKCS#1 v1.5 padding is random: v2.3 clients do
   * so, and any client after our restart) brings a `key` we have not seen:
   * the key cached for the direction is tried on `data` first, which costs
   * one AES decryption instead of an RSA one. A wrong key fails the padding
   * or the JSON (and then the sealed key is opened as usual); `data` is
   * what the signature covers, so the content is the sender's either way.
   * Nothing when the sealed key is one already opened.
   */
  async #openWithCachedKey(
    msg: SecureMessage,
    encrypted: string[],
  ): Promise<
    { password: SymmetricKey; content: Record<string, unknown> } | undefined
  > {
    if (encrypted.some((text) => this.#unsealed.has(text))) return undefined;
    const cached = await this.#cache.get(msg.sender, msg.destination);
    if (cached === undefined) return undefined;
    try {
      return {
        password: cached,
        content: await this.#openContent(msg, cached),
      };
    } catch {
      return undefined; // not that key: the sealed one decides
    }
  }

  /** The first of the encrypted keys that one of our private keys opens. */
  async #unseal(encrypted: string[], sender: ID): Promise<SymmetricKey> {
    for (const text of encrypted) {
      const known = this.#unsealed.get(text);
      if (known !== undefined) return known;
      let bytes: Uint8Array;
      try {
        bytes = decodeTed(text);
      } catch (e) {
        throw new MessageFormatError("key", "not base64", { cause: e });
      }
      for (const privateKey of this.#user.decryptKeys) {
        const plaintext = await privateKey.decrypt?.(bytes);
        if (plaintext === undefined) continue;
        let password: SymmetricKey | undefined;
        try {
          const dict = JSON.parse(utf8Decode(plaintext));
          if (isRecord(dict)) password = parseSymmetricKey(dict);
        } catch {
          // garbage from a key that is not the right one: try the next
        }
        if (password === undefined) continue;
        this.#unsealed.set(text, password);
        return password;
      }
    }
    throw new DecryptionError(
      "key",
      `no local key decrypts the message key for ${this.#user.id.value}`,
      sender.value,
    );
  }

  /** Decrypts `data` and reads the content dictionary. */
  async #openContent(
    msg: SecureMessage,
    password: SymmetricKey,
  ): Promise<Record<string, unknown>> {
    const sender = msg.sender.value;
    let plaintext: Uint8Array | undefined;
    try {
      plaintext = await password.decrypt(msg.dataBytes, {
        IV: msg.dictionary.IV,
        iv: msg.dictionary.iv,
      });
    } catch (e) {
      if (e instanceof MessageFormatError) throw e;
      throw new MessageFormatError("IV", "not 16 bytes of base64", {
        cause: e,
      });
    }
    if (plaintext === undefined) {
      throw new DecryptionError("data", "content does not decrypt", sender);
    }
    let content: Record<string, unknown>;
    try {
      content = requireRecord(JSON.parse(utf8Decode(plaintext)));
    } catch (e) {
      throw new DecryptionError(
        "content",
        "plaintext is not a JSON object",
        sender,
        { cause: e },
      );
    }
    expandContentKeys(content);
    return incomingCompat(content);
  }

  /** The attached meta, if valid and the sender's. */
  async #attachedMeta(
    msg: ReliableMessage,
    sender: ID,
    known: Meta | undefined,
  ): Promise<Meta | undefined> {
    const dict = msg.meta;
    if (dict === undefined) return undefined;
    // the directory's meta was checked when it was stored: the same one
    // attached again (every handshake) is not checked again
    if (
      known !== undefined &&
      JSON.stringify(known.dictionary.key) === JSON.stringify(dict.key)
    ) {
      return known;
    }
    try {
      const meta = Meta.parse(dict);
      await meta.checkId(sender);
      return meta;
    } catch {
      return undefined; // an invalid meta is neither saved nor used (spec §10)
    }
  }

  /**
   * The attached visa, if it parses and its signature verifies with the
   * meta key; one that belongs to another ID rejects the message. The
   * stored visa `known` attached again is `known`, not parsed again.
   */
  async #attachedVisa(
    msg: ReliableMessage,
    sender: ID,
    meta: Meta | undefined,
    known: Document | undefined,
  ): Promise<Document | undefined> {
    const dict = msg.visa;
    if (dict === undefined) return undefined;
    if (meta !== undefined && known?.isSignedAs(dict)) return known;
    let visa: Document;
    try {
      visa = Document.parse(dict, { allowUnknown: true });
    } catch {
      return undefined;
    }
    if (!visa.id.withoutTerminal().equals(sender)) {
      throw new MessageFormatError(
        "visa",
        `belongs to ${visa.id.value}, not to the sender ${sender.value}`,
      );
    }
    if (meta === undefined) return undefined;
    // the directory's visa was verified when it was stored: the same one
    // attached again (another spelling) is not verified again
    if (
      known?.signature !== undefined && visa.signature !== undefined &&
      known.data === visa.data && bytesEqual(known.signature, visa.signature)
    ) {
      return visa;
    }
    return await visa.verify(meta.key) ? visa : undefined;
  }
}
