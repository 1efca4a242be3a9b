/**
 * The client side of the handshake as a pure state machine (station.md
 * §3.2): start (offer without key) → again (`DIM?` + key) → restart (offer
 * with key) → success (`DIM!`). It decides; the session sends.
 *
 * @module
 */
import { HandshakeTitle } from "../dimp/command/mod.ts";
import { EntityType, type ID } from "../dimp/identity/mod.ts";

/**
 * Where the client handshake stands.
 * - `idle`: nothing offered yet (or the connection was replaced);
 * - `start`: the first offer (no key) is out, waiting for `DIM?`;
 * - `restart`: an offer with the station's key is out, waiting for `DIM!`;
 * - `running`: the station accepted (`DIM!`).
 *
 * @example
 * ```ts
 * import type { HandshakePhase } from "./handshake.ts";
 * const phase: HandshakePhase = "running";
 * ```
 */
export type HandshakePhase = "idle" | "start" | "restart" | "running";

/**
 * What the session should do next.
 * - `offer`: send `Hello world!` with `session` (none: a first offer, to
 *   `station@anywhere` with meta and visa attached);
 * - `success`: the session is running (`session` is the adopted key);
 * - `ignore`: nothing to do (`reason` says why, for the log).
 *
 * @example
 * ```ts
 * import type { HandshakeStep } from "./handshake.ts";
 * const step: HandshakeStep = { action: "offer", session: undefined };
 * ```
 */
export type HandshakeStep =
  | { readonly action: "offer"; readonly session: string | undefined }
  | { readonly action: "success"; readonly session: string | undefined }
  | { readonly action: "ignore"; readonly reason: string };

/** What a received handshake command says. */
export interface HandshakeReply {
  /** Its sender (the station). */
  readonly sender: ID;
  /** Its title (`title`, else the 2021 `message`). */
  readonly title: string;
  /** Its session key, if any. */
  readonly session: string | undefined;
}

/**
 * The handshake state machine of one client session.
 *
 * @example
 * ```ts
 * import { HandshakeMachine } from "./handshake.ts";
 * const machine = new HandshakeMachine();
 * machine.begin(Date.now()); // { action: "offer", session: undefined }
 * ```
 */
export class HandshakeMachine {
  #phase: HandshakePhase = "idle";
  #key: string | undefined;
  #station: ID | undefined;
  #offeredAt = 0;
  #attempts = 0;

  /**
   * A machine; `station` is the station ID expected (a `DIM?` from another
   * ID is then ignored), else the first station that answers is adopted.
   */
  constructor(station?: ID) {
    this.#station = station;
  }

  /** The phase. */
  get phase(): HandshakePhase {
    return this.#phase;
  }

  /** The station ID: expected, or adopted from the first `DIM?`. */
  get station(): ID | undefined {
    return this.#station;
  }

  /** The session key held (from `DIM?`, confirmed by `DIM!`). */
  get sessionKey(): string | undefined {
    return this.#key;
  }

  /** First offers sent since the last success (or since the start). */
  get attempts(): number {
    return this.#attempts;
  }

  /** When the last offer went out (the clock given). */
  get offeredAt(): number {
    return this.#offeredAt;
  }

  /**
   * Starts over: drops the key (a new connection has a new one) and offers
   * without key. The adopted station ID is kept.
   */
  begin(now: number): HandshakeStep {
    this.#key = undefined;
    this.#phase = "start";
    this.#offeredAt = now;
    this.#attempts++;
    return { action: "offer", session: undefined };
  }

  /** Forgets the phase and the key (the connection is gone); keeps the station. */
  reset(): void {
    this.#phase = "idle";
    this.#key = undefined;
    this.#attempts = 0;
  }

  /**
   * Whether the offer out has waited longer than `timeoutMs`: the session
   * then calls {@link HandshakeMachine.begin} again (station.md §3.2 step 4).
   */
  expired(now: number, timeoutMs: number): boolean {
    return (this.#phase === "start" || this.#phase === "restart") &&
      now - this.#offeredAt >= timeoutMs;
  }

  /** Handles a handshake command received. */
  receive(reply: HandshakeReply, now: number): HandshakeStep {
    const { sender, title, session } = reply;
    if (title !== HandshakeTitle.AGAIN && title !== HandshakeTitle.SUCCESS) {
      return {
        action: "ignore",
        reason: `handshake "${title}" is not a reply`,
      };
    }
    if (this.#station !== undefined && !this.#station.isBroadcast) {
      if (!sender.withoutTerminal().equals(this.#station)) {
        return {
          action: "ignore",
          reason:
            `handshake from ${sender.value}, the station is ${this.#station.value}`,
        };
      }
    } else if (sender.type !== EntityType.STATION) {
      return {
        action: "ignore",
        reason: `handshake from ${sender.value}, which is not a station`,
      };
    }
    if (this.#phase === "idle") {
      return { action: "ignore", reason: "no handshake under way" };
    }
    if (title === HandshakeTitle.AGAIN) {
      return this.#again(sender, session, now);
    }
    return this.#success(sender, session, now);
  }

  #again(sender: ID, session: string | undefined, now: number): HandshakeStep {
    if (session === undefined) {
      return { action: "ignore", reason: "DIM? without a session key" };
    }
    if (this.#key !== undefined && this.#key !== session) {
      // another key than the one held: drop it and start over (§3.2 step 2)
      return this.begin(now);
    }
    this.#station = sender.withoutTerminal();
    this.#key = session;
    this.#phase = "restart";
    this.#offeredAt = now;
    return { action: "offer", session };
  }

  #success(
    sender: ID,
    session: string | undefined,
    now: number,
  ): HandshakeStep {
    if (this.#phase === "running") {
      return { action: "ignore", reason: "DIM! while running (duplicate)" };
    }
    if (
      this.#key !== undefined && session !== undefined && session !== this.#key
    ) {
      return this.begin(now);
    }
    this.#station = sender.withoutTerminal();
    // 2021 stations send DIM! without a key: keep the one offered
    this.#key = session ?? this.#key;
    this.#phase = "running";
    this.#attempts = 0;
    return { action: "success", session: this.#key };
  }
}
