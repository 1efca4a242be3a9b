/**
 * Test helpers for the transport vectors: hex, the vector file's shapes, and a
 * synchronous driver that runs client chunks through the sniffer and a station
 * endpoint the way the listener does.
 *
 * @module
 */
import {
  type AckKey,
  createEndpoint,
  type FramingEndpoint,
  type SniffedFraming,
  sniffFraming,
} from "../../../dimp/transport/mod.ts";
import { loadVectors } from "../../_vectors.ts";

/** Bytes of a hex string. */
export function unhex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

/** Hex of bytes. */
export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** One `sessions.*` case. */
export interface SessionCase {
  name: string;
  note: string;
  client_chunks_hex: string[];
  delivered_to_session: { payload_utf8: string | null; lines: string[] }[];
  station_wrote_hex: string;
  station_wrote_frames: Record<string, unknown>[];
}

/** The transport vector file. */
export interface TransportVectors {
  mtp_codec: {
    build: Record<string, unknown>[];
    parse: Record<string, unknown>[];
    seek: Record<string, unknown>[];
  };
  mars_codec: {
    build: Record<string, unknown>[];
    parse: Record<string, unknown>[];
    seek: Record<string, unknown>[];
  };
  ws_codec: {
    handshake: Record<string, unknown>[];
    pack: Record<string, unknown>[];
    parse: Record<string, unknown>[];
  };
  sessions: Record<"mtp" | "mars" | "websocket" | "sniffing", SessionCase[]>;
}

/** `transport.json`. */
export function transportVectors(): TransportVectors {
  return loadVectors("transport") as TransportVectors;
}

/** The vectors' session responder: `{"echo":<len>}` per JSON line. */
export function echoResponder(lines: readonly string[]): Uint8Array[] {
  return lines.map((line) => utf8(`{"echo":${utf8(line).length}}`));
}

/** What a station did with a sequence of client chunks. */
export interface SessionRun {
  framing: SniffedFraming | null;
  delivered: string[][];
  written: Uint8Array[];
  acknowledged: AckKey[];
  ended: boolean;
  endpoint: FramingEndpoint | null;
}

/**
 * Runs `chunks` through the sniffer and a station endpoint; `respond` makes the
 * session's responses; `pushes` are pushed after the chunks.
 */
export function runStation(
  chunks: Uint8Array[],
  respond: (lines: readonly string[]) => Uint8Array[] = () => [],
  pushes: Uint8Array[] = [],
): SessionRun {
  const run: SessionRun = {
    framing: null,
    delivered: [],
    written: [],
    acknowledged: [],
    ended: false,
    endpoint: null,
  };
  let sniffed = new Uint8Array(0);
  for (const chunk of chunks) {
    if (run.endpoint === null) {
      sniffed = new Uint8Array([...sniffed, ...chunk]);
      const framing = sniffFraming(sniffed);
      if (framing === null || framing === "unknown" || framing === "http") {
        run.framing = framing === "http" ? "http" : null;
        continue;
      }
      run.framing = framing;
      run.endpoint = createEndpoint(framing, "station");
      run.endpoint.push(sniffed);
    } else {
      run.endpoint.push(chunk);
    }
    drain(run, respond);
  }
  for (const push of pushes) {
    run.written.push(run.endpoint!.encodeMessage(push).bytes);
  }
  return run;
}

function drain(
  run: SessionRun,
  respond: (lines: readonly string[]) => Uint8Array[],
): void {
  const endpoint = run.endpoint!;
  for (let event = endpoint.next(); event !== null; event = endpoint.next()) {
    switch (event.type) {
      case "write":
        run.written.push(event.bytes);
        break;
      case "payload":
        run.delivered.push([...event.lines]);
        run.written.push(
          ...endpoint.encodeReplies(event.replyTo, respond(event.lines)),
        );
        break;
      case "acknowledged":
        run.acknowledged.push(event.key);
        break;
      case "end":
        run.ended = true;
        break;
    }
  }
}

/** All bytes the run wrote, as hex. */
export function writtenHex(run: SessionRun): string {
  return run.written.map(hex).join("");
}

/** Chunks of a session case. */
export function chunksOf(c: SessionCase): Uint8Array[] {
  return c.client_chunks_hex.map(unhex);
}

/** The lines the reference delivered, per payload. */
export function deliveredLines(c: SessionCase): string[][] {
  return c.delivered_to_session.map((d) => d.lines);
}
