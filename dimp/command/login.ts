/**
 * The login command (spec messages.md §8.2, station.md §3.5): broadcast by
 * a client to `everyone@everywhere` to say where it is connected.
 *
 * @module
 */
import type { ContentOptions } from "../content/content.ts";
import {
  isRecord,
  readId,
  readNumber,
  readString,
} from "../content/_values.ts";
import type { ID } from "../identity/mod.ts";
import { Command, CommandName } from "./command.ts";

/**
 * The station a user is connected to.
 */
export interface LoginStation {
  /** The station ID (absent when unknown). */
  readonly id?: ID;
  /** Host name or IP. */
  readonly host?: string;
  /** Port. */
  readonly port?: number;
}

/**
 * Optional members of a login command.
 *
 * @example
 * ```ts
 * const options: LoginOptions = { agent: "DIMP/1.0 (Client; Linux; en-US)" };
 * ```
 */
export interface LoginOptions extends ContentOptions {
  /** User agent string. */
  readonly agent?: string;
  /** Device ID. */
  readonly device?: string;
  /** Where the user is connected. */
  readonly station?: LoginStation;
  /** The service provider. */
  readonly provider?: ID;
  /** Terminal / device name (1.7.x). */
  readonly terminal?: string;
}

/**
 * `{"command": "login", "did", "agent", "station": {did, host, port}, ...}`
 * (the outgoing compatibility adds `ID` next to each `did`).
 *
 * @example
 * ```ts
 * import { parseId } from "../identity/mod.ts";
 * const me = parseId("alice@1AZkgA8TVvFu8HAxUVrqcDjfvUCFZDpLdJ");
 * const stationId = parseId("gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC");
 * const login = LoginCommand.create(me, { station: { id: stationId, host: "127.0.0.1", port: 9394 } });
 * login.stationId?.value === stationId.value; // true
 * ```
 */
export class LoginCommand extends Command {
  /** A new login for `id`. */
  static create(id: ID, options: LoginOptions = {}): LoginCommand {
    const { agent, device, station, provider, terminal } = options;
    let stationInfo: Record<string, unknown> | undefined;
    if (station !== undefined) {
      stationInfo = {};
      if (station.id !== undefined) stationInfo.did = station.id.value;
      if (station.host !== undefined) stationInfo.host = station.host;
      if (station.port !== undefined) stationInfo.port = station.port;
    }
    return new LoginCommand(
      Command.buildCommand(CommandName.LOGIN, {
        did: id.value,
        agent,
        device,
        station: stationInfo,
        provider: provider === undefined ? undefined : { did: provider.value },
        terminal,
      }, options),
    );
  }

  /** The user who logs in (`did`, else `ID`). */
  get identifier(): ID | undefined {
    return readId(this.dictionary.did ?? this.dictionary.ID);
  }

  /** The user agent, if any. */
  get agent(): string | undefined {
    return readString(this.dictionary.agent);
  }

  /** The device ID, if any. */
  get device(): string | undefined {
    return readString(this.dictionary.device);
  }

  /** The terminal, if any. */
  get terminal(): string | undefined {
    return readString(this.dictionary.terminal);
  }

  /** The raw `station` object, if it is an object. */
  get station(): Record<string, unknown> | undefined {
    const station = this.dictionary.station;
    return isRecord(station) ? station : undefined;
  }

  /** The station ID (`station.did`, else `station.ID`), if any. */
  get stationId(): ID | undefined {
    const station = this.station;
    return station === undefined
      ? undefined
      : readId(station.did ?? station.ID);
  }

  /** The station host, if any. */
  get stationHost(): string | undefined {
    return readString(this.station?.host);
  }

  /** The station port, if any. */
  get stationPort(): number | undefined {
    return readNumber(this.station?.port);
  }

  /** The provider ID, if any. */
  get providerId(): ID | undefined {
    const provider = this.dictionary.provider;
    return isRecord(provider) ? readId(provider.did ?? provider.ID) : undefined;
  }
}
