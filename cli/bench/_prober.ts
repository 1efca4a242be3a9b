/**
 * The probe pair of `dim bench --sessions`: two users on a thread of their
 * own (`_probe_worker.ts`) — as two real users are on machines of their own
 * — exchange texts while the bench's other users connect and after they sit
 * idle; each text is timed from its send to the receiver's socket. Off the
 * thread that drives the storm's handshakes, the latency is the station's,
 * not the bench's own queue.
 *
 * @module
 */
import { TextContent } from "../../dimp/content/mod.ts";
import type {
  LocalUser,
  MessagePacker,
  ReliableMessage,
} from "../../dimp/message/mod.ts";
import type { ClientSession } from "../../client/mod.ts";
import type { Framing } from "../../client/transport/mod.ts";
import type { WorkerEngines } from "../../station/worker_engines.ts";

/** How long a probe text may take before it counts as lost. */
const PROBE_TIMEOUT_MS = 10_000;

/** What the probe thread is given to start. */
export interface ProbeInit {
  /** The bench's store (a file: the thread opens it too). */
  readonly path: string;
  readonly host: string;
  readonly port: number;
  readonly framing: Framing;
  /** The two users (IDs): the first sends, the second receives. */
  readonly users: readonly [string, string];
  /** The local address to connect from. */
  readonly localAddress?: string;
  /** One handshake attempt's limit. */
  readonly handshakeTimeout?: number;
  /**
   * The engines the bench's thread runs RSA and ECDSA with: the probe
   * users' run on them too (none: the runtime's).
   */
  readonly engines?: WorkerEngines;
  /** The thread's nice value (0: unchanged). */
  readonly nice?: number;
}

/** The latencies of a series of probe texts and how many were lost. */
export interface ProbeTake {
  readonly latencies: number[];
  readonly lost: number;
  /** The probe users' sessions still up (0 … 2). */
  readonly up: number;
}

/** The probe thread's answer to its start. */
export interface ProbeStarted {
  /** Each probe user's handshake time (ms), or why it failed. */
  readonly handshakes: readonly (number | string)[];
  readonly stationId: string | null;
  /** The engines the probe thread's RSA and ECDSA run on (their names). */
  readonly engines: ProbeEngines;
  /** The probe thread's nice value, as read back. */
  readonly nice: number;
}

/** What the probe users' crypto runs on: an engine's name for each. */
export interface ProbeEngines {
  readonly rsa: string;
  readonly ecdsa: string;
}

/** Texts between two sessions, timed from the send to the receiver's socket. */
export class Prober {
  readonly #from: ClientSession;
  readonly #packer: MessagePacker;
  readonly #to: LocalUser;
  readonly #sentAt = new Map<string, number>();
  #latencies: number[] = [];
  #lost = 0;
  #arrived: (() => void) | undefined;

  /** Texts from `from`'s session, packed by `packer`, to `to`. */
  constructor(from: ClientSession, packer: MessagePacker, to: LocalUser) {
    this.#from = from;
    this.#packer = packer;
    this.#to = to;
  }

  /** The receiver's hook: `true` for a probe text (taken from its session). */
  arrived(msg: ReliableMessage): boolean {
    const sentAt = this.#sentAt.get(msg.signature);
    if (sentAt === undefined) return false;
    this.#sentAt.delete(msg.signature);
    this.#latencies.push(performance.now() - sentAt);
    this.#arrived?.();
    return true;
  }

  /** Packs and sends one text; resolves once it arrived (or was lost). */
  async send(): Promise<void> {
    const conn = this.#from.connection;
    if (conn === undefined || conn.closed) return;
    const msg = await this.#packer.packContent(
      this.#to.id,
      TextContent.create(`dim bench probe ${performance.now()}`),
    );
    const bytes = new TextEncoder().encode(msg.serialize());
    const arrived = new Promise<void>((resolve) => this.#arrived = resolve);
    this.#sentAt.set(msg.signature, performance.now());
    conn.send(bytes);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const lost = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PROBE_TIMEOUT_MS);
    });
    await Promise.race([arrived, lost]);
    clearTimeout(timer);
    if (this.#sentAt.delete(msg.signature)) this.#lost++;
  }

  /** The latencies so far, and how many never arrived; starts afresh. */
  take(): { latencies: number[]; lost: number } {
    const result = { latencies: this.#latencies, lost: this.#lost };
    this.#latencies = [];
    this.#lost = 0;
    return result;
  }
}

/** What the bench asks of the probe thread (one request at a time). */
export type ProbeRequest =
  | { readonly init: ProbeInit }
  | { readonly every: number }
  | { readonly take: true }
  | { readonly probes: number }
  | { readonly close: true };

/**
 * The bench's end of the probe thread.
 *
 * @example
 * ```ts ignore
 * const thread = await ProbeThread.start(init);
 * await thread.every(100); // a text every 100 ms …
 * const storm = await thread.take(); // … until now
 * const idle = await thread.probes(100);
 * await thread.close();
 * ```
 */
export class ProbeThread {
  readonly #worker: Worker;
  #waiting: ((reply: unknown) => void) | undefined;
  #failed: ((error: Error) => void) | undefined;

  private constructor() {
    this.#worker = new Worker(
      new URL("./_probe_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    this.#worker.onmessage = (event) => {
      const resolve = this.#waiting;
      this.#waiting = this.#failed = undefined;
      resolve?.(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const reject = this.#failed;
      this.#waiting = this.#failed = undefined;
      reject?.(new Error(`probe thread: ${event.message}`));
    };
  }

  /** Starts the thread; its two users connect and handshake. */
  static async start(init: ProbeInit): Promise<{
    thread: ProbeThread;
    started: ProbeStarted;
  }> {
    const thread = new ProbeThread();
    try {
      const started = await thread.#ask({ init }) as ProbeStarted;
      return { thread, started };
    } catch (error) {
      thread.#worker.terminate();
      throw error;
    }
  }

  /** A text every `ms` from now on (each after the last arrived). */
  async every(ms: number): Promise<void> {
    await this.#ask({ every: ms });
  }

  /** Stops the texts {@link ProbeThread.every} started; their latencies. */
  take(): Promise<ProbeTake> {
    return this.#ask({ take: true }) as Promise<ProbeTake>;
  }

  /** `count` texts one after another; their latencies. */
  probes(count: number): Promise<ProbeTake> {
    return this.#ask({ probes: count }) as Promise<ProbeTake>;
  }

  /** Closes the two sessions and ends the thread. */
  async close(): Promise<void> {
    try {
      await this.#ask({ close: true });
    } finally {
      this.#worker.terminate();
    }
  }

  #ask(request: ProbeRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#waiting = (reply) => {
        const error = (reply as { error?: string }).error;
        if (error === undefined) resolve(reply);
        else reject(new Error(error));
      };
      this.#failed = reject;
      this.#worker.postMessage(request);
    });
  }
}
