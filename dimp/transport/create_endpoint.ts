/**
 * Builds the endpoint of a framing for one side of a connection.
 *
 * @module
 */
import type {
  EndpointOptions,
  Framing,
  FramingEndpoint,
  Role,
  WsClientOptions,
} from "./endpoint.ts";
import { JsonLinesEndpoint } from "./_json_lines_endpoint.ts";
import { MarsEndpoint } from "./_mars_endpoint.ts";
import { MtpEndpoint } from "./_mtp_endpoint.ts";
import { WebSocketEndpoint } from "./_websocket_endpoint.ts";

/** Options of {@linkcode createEndpoint}; `host` is needed by a WebSocket client. */
export type CreateEndpointOptions = EndpointOptions & Partial<WsClientOptions>;

/**
 * The endpoint for `framing` on `role`'s side.
 *
 * @example
 * ```ts
 * import { createEndpoint } from "./create_endpoint.ts";
 * const client = createEndpoint("ws", "client", { host: "127.0.0.1:9394" });
 * console.assert(client.start() !== null); // the upgrade request
 * ```
 */
export function createEndpoint(
  framing: Framing,
  role: Role,
  options: CreateEndpointOptions = {},
): FramingEndpoint {
  switch (framing) {
    case "mtp":
      return new MtpEndpoint(role, options);
    case "mars":
      return new MarsEndpoint(role, options);
    case "plain":
      return new JsonLinesEndpoint(role, options);
    case "ws":
      return role === "station"
        ? new WebSocketEndpoint(options)
        : new WebSocketEndpoint(options, {
          ...options,
          host: options.host ?? "localhost",
        });
  }
}
