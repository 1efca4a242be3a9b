/**
 * The envelope every message stage shares (spec messages.md §2.1): `sender`,
 * `receiver`, `time`, and the optional `group` and `type`. Messages keep
 * their exact dictionary; the envelope reads it.
 *
 * @module
 */
import { readNumber } from "../content/_values.ts";
import { type ID, tryParseId } from "../identity/mod.ts";
import { ID_OPTIONS, requireId, requireRecord } from "./_require.ts";

/** Members {@link Envelope.set} refuses: identity and signed body. */
const FIXED_MEMBERS = ["sender", "receiver", "data", "signature"];

/**
 * Optional envelope members.
 */
export interface EnvelopeOptions {
  /** Seconds (default: now). */
  readonly time?: number;
  /** The exposed ("overt") group, or a broadcast group. */
  readonly group?: ID;
  /** The content type copy (set by the packer). */
  readonly type?: number;
}

/**
 * An envelope: the routing members of a message, read from its dictionary.
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const alice = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const bob = parseId("bob@1Nyb6R9ADJSPYGt8EidbzXyXKkSZwMQQiJ");
 * const team = parseId("team@hB3yPLgXFsYHL4QFkDU6syDx6SGL4dmQG");
 * const env = Envelope.create(alice, bob, { group: team });
 * env.destination.value === team.value; // the key direction is alice -> team
 * ```
 */
export class Envelope {
  readonly #dict: Record<string, unknown>;
  readonly #sender: ID;
  readonly #receiver: ID;
  #group: ID | undefined | null = null;

  /** Wraps a dictionary whose sender and receiver were validated. */
  protected constructor(
    dictionary: Record<string, unknown>,
    sender: ID,
    receiver: ID,
  ) {
    this.#dict = dictionary;
    this.#sender = sender;
    this.#receiver = receiver;
  }

  /** A new envelope `{sender, receiver, time, [group], [type]}`. */
  static create(
    sender: ID,
    receiver: ID,
    options: EnvelopeOptions = {},
  ): Envelope {
    return new Envelope(
      Envelope.build(sender, receiver, options),
      sender,
      receiver,
    );
  }

  /**
   * Reads an envelope (of any message stage) from a dictionary (no copy).
   *
   * @throws {MessageFormatError} not an object, `sender` or `receiver`
   *   missing or not an ID
   */
  static parse(value: unknown): Envelope {
    const dict = requireRecord(value);
    return new Envelope(
      dict,
      requireId(dict, "sender"),
      requireId(dict, "receiver"),
    );
  }

  /** The dictionary of a new envelope. */
  protected static build(
    sender: ID,
    receiver: ID,
    options: EnvelopeOptions,
  ): Record<string, unknown> {
    const dict: Record<string, unknown> = {
      sender: sender.value,
      receiver: receiver.value,
      time: options.time ?? Date.now() / 1000,
    };
    if (options.group !== undefined) dict.group = options.group.value;
    if (options.type !== undefined) dict.type = options.type;
    return dict;
  }

  /** The message dictionary exactly as received or built (read only: use {@link Envelope.set}). */
  get dictionary(): Readonly<Record<string, unknown>> {
    return this.#dict;
  }

  /** The author. */
  get sender(): ID {
    return this.#sender;
  }

  /** The receiver: a user, group, station or broadcast ID. */
  get receiver(): ID {
    return this.#receiver;
  }

  /** Creation time in seconds (int, float or numeric string), if present. */
  get time(): number | undefined {
    return readNumber(this.#dict.time);
  }

  /** The top-level `group`, if it is an ID (a malformed one reads as absent). */
  get group(): ID | undefined {
    if (this.#group === null) {
      this.#group = tryParseId(this.#dict.group, ID_OPTIONS);
    }
    return this.#group;
  }

  /** The envelope `type` (content type copy; number or numeric string), if any. */
  get type(): number | undefined {
    const type = readNumber(this.#dict.type);
    return type !== undefined && Number.isInteger(type) ? type : undefined;
  }

  /**
   * `SDT`: the sender's newest visa time (seconds), sent by dimples clients
   * so that receivers re-query a newer visa.
   */
  get senderDocumentTime(): number | undefined {
    return readNumber(this.#dict.SDT);
  }

  /**
   * Whether the message is a broadcast: the receiver or the top-level
   * `group` is a broadcast ID (spec §2.5). Broadcasts are not encrypted.
   */
  get isBroadcast(): boolean {
    return this.#receiver.isBroadcast || this.group?.isBroadcast === true;
  }

  /**
   * The key direction's other end (spec §3.2): the receiver, unless the
   * top-level `group` is set — then the group, except that a broadcast
   * receiver with a normal group stays the receiver.
   */
  get destination(): ID {
    const group = this.group;
    if (group === undefined) return this.#receiver;
    if (group.isBroadcast) return group;
    return this.#receiver.isBroadcast ? this.#receiver : group;
  }

  /** A member of the dictionary. */
  get(name: string): unknown {
    return this.#dict[name];
  }

  /**
   * Sets a member (`undefined` removes it), e.g. `traces` or `GF` on a
   * routed message. `sender`, `receiver`, `data` and `signature` cannot be
   * changed: build a new message from a copy of the dictionary instead.
   *
   * @throws {TypeError} for `sender`, `receiver`, `data`, `signature`
   */
  set(name: string, value: unknown): void {
    if (FIXED_MEMBERS.includes(name)) {
      throw new TypeError(`message member "${name}" cannot be changed`);
    }
    if (value === undefined) delete this.#dict[name];
    else this.#dict[name] = value;
    if (name === "group") this.#group = null;
    this.changed();
  }

  /** Called after {@link Envelope.set}; subclasses drop derived caches. */
  protected changed(): void {}

  /** The dictionary, for `JSON.stringify`. */
  toJSON(): Readonly<Record<string, unknown>> {
    return this.#dict;
  }
}
