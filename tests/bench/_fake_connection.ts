/**
 * A station-side connection without a socket for the in-process benches:
 * every send is taken at once (acknowledged).
 *
 * @module
 */
import type { CloseInfo, Connection, SendResult } from "../../station/mod.ts";

/** A connection that takes every send at once (acknowledged). */
export class FakeConnection implements Connection {
  static #next = 1;
  readonly id = FakeConnection.#next++;
  readonly framing = "mtp" as const;
  readonly role = "station" as const;
  readonly remoteAddress: readonly [string, number];
  readonly connectedAt = Date.now();
  readonly closed = false;
  readonly pending = 0;
  readonly bytesReceived = 0;
  readonly bytesSent = 0;
  readonly done: Promise<CloseInfo> = new Promise(() => {});
  sent = 0;

  constructor(port: number) {
    this.remoteAddress = ["127.0.0.1", port];
  }

  send(): Promise<SendResult> {
    this.sent++;
    return Promise.resolve({ sent: true, acknowledged: true });
  }

  ready(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}
