/**
 * A network of `dim station` processes on loopback ports, neighbours of
 * each other through `--neighbor` (the network and presence tests).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type ID, parseId } from "../../dimp/identity/mod.ts";
import {
  startStation,
  type StationChild,
  stopStation,
} from "../station/_child.ts";
import { until } from "../station/_network.ts";

/** Free loopback ports (listened on and closed again). */
export function freePorts(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((l) => l.addr.port);
  for (const listener of listeners) listener.close();
  return ports;
}

/** Stations as `dim station` processes; `links[i]`: the neighbours of station i. */
export class Network {
  readonly ports: number[];
  readonly dirs: string[];
  readonly children: (StationChild | undefined)[];
  readonly ids: ID[] = [];
  readonly links: readonly (readonly number[])[];
  readonly #logLevel: string;
  readonly #linkTimeout: number;

  /**
   * `logLevel`: the stations' `--log` (default `debug`); `linkTimeout`: how
   * long each link may take to come up (ms, default 15 s; many stations
   * starting at once back off longer).
   */
  constructor(
    links: readonly (readonly number[])[],
    options: { logLevel?: string; linkTimeout?: number } = {},
  ) {
    this.links = links;
    this.#logLevel = options.logLevel ?? "debug";
    this.#linkTimeout = options.linkTimeout ?? 15_000;
    this.ports = freePorts(links.length);
    this.dirs = links.map(() =>
      Deno.makeTempDirSync({ prefix: "dim-network-test-" })
    );
    this.children = links.map(() => undefined);
  }

  async start(): Promise<this> {
    await Promise.all(this.links.map((_, i) => this.startOne(i)));
    await Promise.all(this.links.map((_, i) => this.linked(i)));
    return this;
  }

  async startOne(i: number): Promise<StationChild> {
    const neighbours = this.links[i].flatMap((j) => [
      "--neighbor",
      `127.0.0.1:${this.ports[j]}`,
    ]);
    const child = await startStation([
      "--data-dir",
      this.dirs[i],
      "station",
      "--port",
      String(this.ports[i]),
      "--log",
      this.#logLevel,
      ...neighbours,
    ]);
    this.children[i] = child;
    this.ids[i] = parseId(child.id);
    return child;
  }

  /** Waits until station i's bridge is up at all its neighbours (since `from` in its log). */
  async linked(i: number, from = 0): Promise<void> {
    for (const j of this.links[i]) {
      await this.logged(
        i,
        `bridge: neighbour 127.0.0.1:${this.ports[j]} up`,
        from,
        this.#linkTimeout,
      );
    }
  }

  /** Waits until station i logged `text` (after `from` characters). */
  logged(
    i: number,
    text: string | RegExp,
    from = 0,
    timeoutMs = 15_000,
  ): Promise<void> {
    return until(
      `station ${i + 1} logged ${text}`,
      () =>
        typeof text === "string"
          ? this.log(i).indexOf(text, from) >= 0
          : text.test(this.log(i).slice(from)),
      timeoutMs,
    );
  }

  /** Waits until station i logged that `id`'s connection was closed by it. */
  closedByPeer(i: number, id: ID, from = 0): Promise<void> {
    const quoted = id.value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    return this.logged(
      i,
      new RegExp(`connection closed .*user=${quoted} reason=peer`),
      from,
    );
  }

  log(i: number): string {
    return this.children[i]?.log() ?? "";
  }

  async stopOne(i: number): Promise<void> {
    const child = this.children[i];
    this.children[i] = undefined;
    if (child !== undefined) {
      assert.equal((await stopStation(child, "SIGTERM")).code, 0);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((_, i) => this.stopOne(i)));
    for (const dir of this.dirs) Deno.removeSync(dir, { recursive: true });
  }
}
