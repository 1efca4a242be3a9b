/**
 * SecureMessage: envelope + encrypted `data` + the encrypted symmetric key
 * (`key` for one receiver, `keys` per group member) + `IV` (spec
 * messages.md §2.3, §3.4).
 *
 * @module
 */
import { decodeTed, utf8Encode } from "../crypto/mod.ts";
import { isRecord } from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Envelope } from "./envelope.ts";
import { MessageFormatError } from "./errors.ts";
import { requireData, requireId, requireRecord } from "./_require.ts";

/**
 * Gives a message the bytes its `data` stands for, so they are not decoded
 * again (the packer that just encrypted them, `data` being their base64).
 * Not re-exported by `mod.ts`.
 *
 * @example
 * ```ts ignore
 * knowDataBytes(secure, ciphertext); // secure.dataBytes === ciphertext
 * ```
 */
export let knowDataBytes: (msg: SecureMessage, bytes: Uint8Array) => void;

/**
 * Whether {@link knowDataBytes} gave a message its bytes: its `data` is
 * their base64, made here (no character JSON escapes). Not re-exported by
 * `mod.ts`.
 *
 * @example
 * ```ts ignore
 * knowDataBytes(secure, ciphertext);
 * console.assert(dataMadeHere(secure));
 * ```
 */
export let dataMadeHere: (msg: SecureMessage) => boolean;

/**
 * `{"sender", "receiver", "time", ["group"], ["type"], ["IV"], "data",
 * "key" | "keys"}`. Relays may read the envelope without touching the body.
 */
export class SecureMessage extends Envelope {
  #dataBytes: Uint8Array | undefined;
  #madeHere = false;

  static {
    knowDataBytes = (msg, bytes) => {
      msg.#dataBytes = bytes;
      msg.#madeHere = true;
    };
    dataMadeHere = (msg) => msg.#madeHere;
  }

  /**
   * Reads a secure message from a dictionary (no copy).
   *
   * @throws {MessageFormatError} not an object, `sender` / `receiver` not
   *   IDs, `data` missing or not a string
   */
  static override parse(value: unknown): SecureMessage {
    const dict = requireRecord(value);
    const sender = requireId(dict, "sender");
    const receiver = requireId(dict, "receiver");
    requireData(dict);
    return new SecureMessage(dict, sender, receiver);
  }

  /** `data` as received: base64 ciphertext, or the content JSON of a broadcast. */
  get data(): string {
    return this.dictionary.data as string;
  }

  /**
   * The bytes `data` stands for (decoded once): the UTF-8 of the text for a
   * broadcast, else the base64-decoded ciphertext. These bytes are what the
   * signature covers.
   *
   * @throws {MessageFormatError} `data` is not base64
   */
  get dataBytes(): Uint8Array {
    if (this.#dataBytes === undefined) {
      const data = this.data;
      if (this.isBroadcast) {
        this.#dataBytes = utf8Encode(data);
      } else {
        try {
          this.#dataBytes = decodeTed(data);
        } catch (e) {
          throw new MessageFormatError("data", "not base64", { cause: e });
        }
      }
    }
    return this.#dataBytes;
  }

  /** `key`: the symmetric key encrypted for the receiver, if a string. */
  get key(): string | undefined {
    const key = this.dictionary.key;
    return typeof key === "string" && key !== "" ? key : undefined;
  }

  /**
   * `keys`: {member ID (or `ID/terminal`): base64}, string values only; the
   * 2021 `digest` entry is left out.
   */
  get keys(): Record<string, string> | undefined {
    const keys = this.dictionary.keys;
    if (!isRecord(keys)) return undefined;
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(keys)) {
      if (name !== "digest" && typeof value === "string" && value !== "") {
        out[name] = value;
      }
    }
    return out;
  }

  /** `IV` (else the 2021 `iv`), base64, if any. */
  get iv(): string | undefined {
    const { IV, iv } = this.dictionary;
    return typeof IV === "string"
      ? IV
      : typeof iv === "string"
      ? iv
      : undefined;
  }

  /**
   * The encrypted keys meant for `user`, in the order a reader tries them:
   * `key`, `keys[user]`, then every `keys["user/terminal"]` (v2.4.3).
   */
  encryptedKeys(user: ID): string[] {
    const found: string[] = [];
    const key = this.key;
    if (key !== undefined) found.push(key);
    const keys = this.keys;
    if (keys !== undefined) {
      const name = user.withoutTerminal().value;
      if (keys[name] !== undefined) found.push(keys[name]);
      const prefix = `${name}/`;
      for (const [member, value] of Object.entries(keys)) {
        if (member.startsWith(prefix)) found.push(value);
      }
    }
    return found;
  }

  /** The first of {@link SecureMessage.encryptedKeys}, if any. */
  encryptedKey(user: ID): string | undefined {
    return this.encryptedKeys(user)[0];
  }

  /** `group` decides between text and base64: decode again after a change. */
  protected override changed(): void {
    this.#dataBytes = undefined;
    this.#madeHere = false;
  }
}
