/**
 * The plain JSON-lines endpoint (transport.md §6, a MAY the station supports):
 * one message per line; the station answers an empty line with `\n` and a
 * `PING` line with `PONG`; a client's heartbeat is an empty line.
 *
 * @module
 */
import { EndpointBase } from "./_endpoint_base.ts";
import type { EndpointOptions, Outgoing, Payload, Role } from "./endpoint.ts";
import { encodeJsonLine, JsonLinesDecoder } from "./json_lines.ts";
import { heartbeatOf, PONG } from "./payload.ts";

const NEWLINE = new Uint8Array([0x0a]);

/**
 * Newline-separated JSON over TCP.
 *
 * @example
 * ```ts
 * import { JsonLinesEndpoint } from "./_json_lines_endpoint.ts";
 * const station = new JsonLinesEndpoint("station");
 * station.push(new TextEncoder().encode('{"a":1}\n'));
 * station.next(); // open
 * const event = station.next();
 * console.assert(event?.type === "payload" && event.lines[0] === '{"a":1}');
 * ```
 */
export class JsonLinesEndpoint extends EndpointBase {
  readonly framing = "plain" as const;
  protected readonly input: JsonLinesDecoder;

  constructor(role: Role, options: EndpointOptions = {}) {
    super(role, options);
    this.input = new JsonLinesDecoder({
      maxLineLength: this.maxPayloadLength,
    });
  }

  protected decodeOne(): boolean {
    const line = this.input.next();
    if (line === null) return false;
    const heartbeat = heartbeatOf(line);
    if (line.length === 0) {
      if (this.role === "station") this.write(NEWLINE);
    } else if (heartbeat === "PING") {
      this.write(encodeJsonLine(PONG));
    } else if (heartbeat === null) {
      this.deliver(line);
    }
    return true;
  }

  encodeMessage(payload: Payload): Outgoing {
    return { bytes: encodeJsonLine(payload), ackKey: null };
  }

  encodeReplies(_replyTo: number, payloads: readonly Payload[]): Uint8Array[] {
    return payloads.map(encodeJsonLine);
  }

  heartbeat(): Uint8Array | null {
    return this.role === "client" ? NEWLINE : null;
  }
}
