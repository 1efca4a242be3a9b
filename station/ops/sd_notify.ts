/**
 * The systemd notification protocol (`sd_notify(3)`): a `Type=notify`
 * service tells systemd it is ready (`READY=1`), reloading (`RELOADING=1`),
 * stopping (`STOPPING=1`), a status line (`STATUS=…`) and watchdog pings
 * (`WATCHDOG=1`) as datagrams on the AF_UNIX socket named by
 * `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
 *
 * Deno sends AF_UNIX datagrams through `Deno.listenDatagram({ transport:
 * "unixpacket" })` (SOCK_DGRAM, despite the name), an API behind the `net`
 * unstable feature: deno.json enables it (`"unstable": ["net"]`), so
 * `deno run`, `deno test` and `deno compile` have it. Without it
 * {@linkcode sdNotify} throws {@linkcode SdNotifyError} saying so. Our side
 * of each datagram is an abstract-namespace address (nothing on disk).
 *
 * @module
 */

/** The environment variables read (injectable for tests). */
export type NotifyEnv = Readonly<Record<string, string | undefined>>;

/**
 * A notification that cannot be sent: the socket is missing, the runtime
 * lacks AF_UNIX datagrams, a state has a bad name or value.
 *
 * @example
 * ```ts
 * try { await sdNotify({ READY: 1 }); } catch (e) { e instanceof SdNotifyError; }
 * ```
 */
export class SdNotifyError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SdNotifyError";
  }
}

type UnixAddress = { path: string; transport: "unixpacket" };

interface DatagramSocket {
  send(data: Uint8Array, to: UnixAddress): Promise<number>;
  close(): void;
}

interface DatagramApi {
  listenDatagram(options: UnixAddress): DatagramSocket;
}

function datagramApi(): DatagramApi {
  const api = Deno as unknown as Partial<DatagramApi>;
  if (typeof api.listenDatagram !== "function") {
    throw new SdNotifyError(
      "AF_UNIX datagrams need Deno's net unstable feature (deno.json " +
        '"unstable": ["net"], or --unstable-net)',
    );
  }
  return api as DatagramApi;
}

/**
 * The socket systemd listens on, as a path Deno can address (`@name`
 * becomes `\0name`); `undefined` when not run by systemd.
 *
 * @example
 * ```ts
 * notifySocket({ NOTIFY_SOCKET: "/run/systemd/notify" }); // "/run/systemd/notify"
 * notifySocket({ NOTIFY_SOCKET: "@sd-notify" }); // "\0sd-notify"
 * ```
 */
export function notifySocket(env: NotifyEnv): string | undefined {
  const socket = env.NOTIFY_SOCKET;
  if (socket === undefined || socket === "") return undefined;
  return socket.startsWith("@") ? `\0${socket.slice(1)}` : socket;
}

/**
 * The text of one notification: `NAME=value` lines.
 *
 * @throws {SdNotifyError} a name that is not `[A-Z_]+`, a value with a newline
 * @example
 * ```ts
 * notificationText({ READY: 1, STATUS: "listening on 9394" }); // "READY=1\nSTATUS=listening on 9394\n"
 * ```
 */
export function notificationText(
  state: Readonly<Record<string, string | number>>,
): string {
  let text = "";
  for (const [name, value] of Object.entries(state)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
      throw new SdNotifyError(`"${name}" is not a notification name`);
    }
    const line = String(value);
    if (line.includes("\n")) {
      throw new SdNotifyError(`the value of ${name} has a newline`);
    }
    text += `${name}=${line}\n`;
  }
  if (text === "") throw new SdNotifyError("an empty notification");
  return text;
}

function processEnv(): NotifyEnv {
  try {
    return Deno.env.toObject();
  } catch {
    return {};
  }
}

/**
 * Sends one notification to systemd. Resolves `false` when there is no
 * `NOTIFY_SOCKET` (not run by systemd, or not `Type=notify`), `true` once
 * sent.
 *
 * @throws {SdNotifyError} the socket cannot be reached, or see {@linkcode notificationText}
 * @example
 * ```ts
 * await sdNotify({ READY: 1, STATUS: "listening on 0.0.0.0:9394" });
 * ```
 */
export async function sdNotify(
  state: Readonly<Record<string, string | number>>,
  env: NotifyEnv = processEnv(),
): Promise<boolean> {
  const text = notificationText(state);
  const target = notifySocket(env);
  if (target === undefined) return false;
  const api = datagramApi();
  const transport = "unixpacket" as const;
  let socket: DatagramSocket;
  try {
    socket = api.listenDatagram({
      path: `\0dim-notify-${crypto.randomUUID()}`,
      transport,
    });
  } catch (error) {
    throw new SdNotifyError(
      `cannot open a datagram socket: ${(error as Error).message}`,
      { cause: error },
    );
  }
  try {
    await socket.send(new TextEncoder().encode(text), {
      path: target,
      transport,
    });
    return true;
  } catch (error) {
    throw new SdNotifyError(
      `cannot notify systemd at ${env.NOTIFY_SOCKET}: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  } finally {
    socket.close();
  }
}

/**
 * How often to send `WATCHDOG=1` (half of `WATCHDOG_USEC`, ms) when systemd
 * asks this process for it; `undefined` otherwise.
 *
 * @example
 * ```ts
 * watchdogInterval({ WATCHDOG_USEC: "30000000", WATCHDOG_PID: String(Deno.pid) }); // 15000
 * ```
 */
export function watchdogInterval(env: NotifyEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== String(Deno.pid)) {
    return undefined;
  }
  return Math.max(1, Math.floor(usec / 2000));
}

/**
 * The service's side of systemd's protocol, with the failures passed to
 * `onError` (a service should not stop because a notification failed).
 *
 * @example
 * ```ts ignore
 * const systemd = new SystemdNotifier({ onError: (e) => log.error("sd_notify", { error: e }) });
 * await systemd.ready("listening on 0.0.0.0:9394");
 * // SIGHUP
 * await systemd.reloading(); reload(); await systemd.ready();
 * // SIGTERM
 * await systemd.stopping();
 * ```
 */
export class SystemdNotifier {
  readonly #env: NotifyEnv;
  readonly #onError: (error: SdNotifyError) => void;

  /** Reads the environment once (default: the process's). */
  constructor(
    options: {
      readonly env?: NotifyEnv;
      readonly onError?: (error: SdNotifyError) => void;
    } = {},
  ) {
    this.#env = options.env ?? processEnv();
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Whether systemd listens (`NOTIFY_SOCKET` is set).
   */
  get enabled(): boolean {
    return notifySocket(this.#env) !== undefined;
  }

  /**
   * `READY=1`, with a status line: start-up (or a reload) is done.
   */
  ready(status?: string): Promise<boolean> {
    return this.#send({ READY: 1, ...(status ? { STATUS: status } : {}) });
  }

  /**
   * `RELOADING=1` (follow with `ready()` when done).
   */
  reloading(status?: string): Promise<boolean> {
    return this.#send({ RELOADING: 1, ...(status ? { STATUS: status } : {}) });
  }

  /**
   * `STOPPING=1`: shutting down.
   */
  stopping(status?: string): Promise<boolean> {
    return this.#send({ STOPPING: 1, ...(status ? { STATUS: status } : {}) });
  }

  /**
   * `STATUS=…`: a line for `systemctl status`.
   */
  status(text: string): Promise<boolean> {
    return this.#send({ STATUS: text });
  }

  /**
   * `WATCHDOG=1`: still alive (send every {@linkcode watchdogInterval} ms).
   */
  watchdog(): Promise<boolean> {
    return this.#send({ WATCHDOG: 1 });
  }

  async #send(state: Record<string, string | number>): Promise<boolean> {
    try {
      return await sdNotify(state, this.#env);
    } catch (error) {
      this.#onError(
        error instanceof SdNotifyError
          ? error
          : new SdNotifyError(String(error), { cause: error }),
      );
      return false;
    }
  }
}
