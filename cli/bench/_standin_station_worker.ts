/**
 * The thread of the bench's handshake stand-in (private to `cli/bench`,
 * started by `_standin_station.ts`): a {@link Station} of this code base on
 * a throwaway store and a loopback port of its own, so that the bench's
 * own thread runs only client code while it handshakes with it.
 *
 * Message in: `{storePath}`, answered `{port}` or `{error}`; then `{stop:
 * true}`, answered `{stopped: true}` once the station has stopped.
 *
 * @module
 */
import { Station } from "../../station/station.ts";

interface Scope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

const scope = self as unknown as Scope;
let station: Station | undefined;

scope.onmessage = async (event: MessageEvent) => {
  const request = event.data as { storePath?: string; stop?: boolean };
  try {
    if (request.stop === true) {
      await station?.stop();
      station = undefined;
      scope.postMessage({ stopped: true });
      return;
    }
    station = await Station.start({
      storePath: request.storePath!,
      hostname: "127.0.0.1",
      port: 0,
    });
    scope.postMessage({ port: station.port });
  } catch (error) {
    scope.postMessage({ error: String(error) });
  }
};
