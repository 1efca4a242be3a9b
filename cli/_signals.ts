/**
 * The signals of a long-running subcommand (station, bots): SIGINT and
 * SIGTERM stop it, SIGHUP reloads.
 *
 * @module
 */

/** The stop signal to wait for, and the removal of the listeners. */
export interface LifecycleSignals {
  /** Resolves with the name of the first SIGINT or SIGTERM. */
  readonly stop: Promise<string>;
  /** Removes the listeners. */
  readonly dispose: () => void;
}

/**
 * Listens for SIGINT and SIGTERM (`stop`) and SIGHUP (`onReload`) until
 * `dispose`.
 *
 * @example
 * ```ts ignore
 * const signals = listenSignals(() => reload());
 * try { await serve(signals.stop); } finally { signals.dispose(); }
 * ```
 */
export function listenSignals(onReload: () => void): LifecycleSignals {
  const { promise, resolve } = Promise.withResolvers<string>();
  const handlers: [Deno.Signal, () => void][] = [
    ["SIGINT", () => resolve("SIGINT")],
    ["SIGTERM", () => resolve("SIGTERM")],
    ["SIGHUP", onReload],
  ];
  for (const [signal, handler] of handlers) {
    Deno.addSignalListener(signal, handler);
  }
  return {
    stop: promise,
    dispose: () => {
      for (const [signal, handler] of handlers) {
        Deno.removeSignalListener(signal, handler);
      }
    },
  };
}
