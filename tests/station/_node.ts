/**
 * A station and its bridge started in the test's process on a loopback
 * port (the tests of the bridge and of presence).
 *
 * @module
 */
import type { ID } from "../../dimp/identity/mod.ts";
import {
  Bridge,
  type NeighbourAddress,
  Station,
  type StationOptions,
} from "../../station/mod.ts";
import type { Account } from "./_peer.ts";

/** A station and its bridge on a loopback port, its store in `dir`. */
export class Node {
  station!: Station;
  bridge!: Bridge;
  neighbours: NeighbourAddress[] = [];
  readonly dir = Deno.makeTempDirSync({ prefix: "dim-bridge-test-" });
  /** What the station and its bridge logged (for a failing test's message). */
  readonly lines: string[] = [];
  readonly log = {
    debug: (m: string) => this.lines.push(`D ${m}`),
    info: (m: string) => this.lines.push(`I ${m}`),
    warn: (m: string) => this.lines.push(`W ${m}`),
    error: (m: string) => this.lines.push(`E ${m}`),
  };
  port = 0;

  async start(options: Partial<StationOptions> = {}): Promise<this> {
    const holder: { bridge?: Bridge } = {};
    this.station = await Station.start({
      storePath: `${this.dir}/dim.db`,
      hostname: "127.0.0.1",
      port: this.port,
      neighbours: () => holder.bridge?.neighbourIds() ?? [],
      bridged: (station) => holder.bridge?.reaches(station) ?? false,
      log: this.log,
      ...options,
    });
    this.port = this.station.port;
    this.bridge = holder.bridge = await Bridge.start({
      station: this.station,
      neighbours: () => this.neighbours,
      retryDelay: 50,
      log: this.log,
      maxRetryDelay: 200,
    });
    return this;
  }

  get id(): ID {
    return this.station.id;
  }

  get address(): NeighbourAddress {
    return { host: "127.0.0.1", port: this.port };
  }

  /** The station as a test peer account (for the world to verify its messages). */
  get account(): Pick<Account, "id" | "meta" | "visa"> {
    const identity = this.station.identity;
    return { id: identity.id, meta: identity.meta, visa: identity.visa };
  }

  async stop(): Promise<void> {
    await this.bridge.stop();
    await this.station.stop();
  }

  async remove(): Promise<void> {
    await this.stop();
    Deno.removeSync(this.dir, { recursive: true });
  }
}

/** Whether `from`'s bridge is up at `to`. */
export function linkUp(from: Node, to: Node): boolean {
  return from.bridge.status().some((s) =>
    s.port === to.port && s.state === "running" && s.id === to.id.value
  );
}
