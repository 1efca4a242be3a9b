/**
 * The crash run behind `crash_test.ts` and `deno task crash`: a real
 * `dim station` process on loopback, `pairs` senders each sending texts to
 * its own receiver (online: every text is pushed live) with at most
 * `window` unanswered, `kill -9` of the station at a random moment of each
 * cycle and a restart on the same data directory; at the end every
 * receiver logs in once more and drains. Every other receiver is silent
 * during the cycles (it logs in but never reads nor acknowledges what is
 * pushed): what the station answered for it must come from the store. Counts every text a sender got a
 * station receipt for ("answered"), how many of those reached their
 * receiver, how many reached it twice, and how many never did ("lost").
 *
 * @module
 */
import { ReceiptCommand } from "../../dimp/command/mod.ts";
import { TextContent } from "../../dimp/content/mod.ts";
import { startLocalStation, type StationChild, stopStation } from "./_child.ts";
import { type Account, accounts, TestPeer, World } from "./_peer.ts";
import { online } from "./_peer.ts";
import { SilentMtpClient } from "./_raw_mtp.ts";

/** How hard the run is. */
export interface CrashOptions {
  /** Sender → receiver pairs. */
  readonly pairs: number;
  /** `kill -9` cycles. */
  readonly cycles: number;
  /** Unanswered texts per sender at most. */
  readonly window: number;
  /** The kill falls uniformly in [minMs, maxMs] after the load started. */
  readonly minMs: number;
  /** See {@link CrashOptions.minMs}. */
  readonly maxMs: number;
  /** How long the final drain may take (ms). */
  readonly drainMs: number;
}

/** What a run counted. */
export interface CrashReport {
  /** Cycles run (each ended by `kill -9`). */
  readonly kills: number;
  /** Texts sent. */
  readonly sent: number;
  /** Texts a sender got a station receipt for. */
  readonly answered: number;
  /** Answered texts their receiver got. */
  readonly delivered: number;
  /** Texts a receiver got more than once. */
  readonly deliveredTwice: number;
  /** Answered texts their receiver never got. */
  readonly lost: number;
  /** The receipt texts the senders got, counted. */
  readonly receipts: Record<string, number>;
}

/** The signature field of a message line, without parsing the rest. */
function field(line: string, name: string): string | undefined {
  const tag = `"${name}":"`;
  const at = line.indexOf(tag);
  if (at < 0) return undefined;
  const start = at + tag.length;
  return line.slice(start, line.indexOf('"', start));
}

/**
 * A receiver logged in that counts what it gets from the senders, by
 * signature (from the first line on: stored messages follow the handshake).
 */
async function reader(
  port: number,
  account: Account,
  world: World,
  senders: ReadonlySet<string>,
  seen: Map<string, number>,
): Promise<TestPeer> {
  const peer = await TestPeer.connect(port, account, { world });
  peer.tap = (line) => {
    const sender = field(line, "sender");
    if (sender === undefined || !senders.has(sender)) return false;
    const signature = field(line, "signature")!;
    seen.set(signature, (seen.get(signature) ?? 0) + 1);
    return true;
  };
  await peer.handshake();
  return peer;
}

async function sendUntilClosed(
  peer: TestPeer,
  to: Account,
  window: number,
  sent: string[],
  answered: Set<string>,
): Promise<void> {
  let read = 0;
  for (let index = 0; !peer.conn.closed; index++) {
    while (sent.length - answered.size >= window) {
      await peer.collect(() => false, 1, 20);
      for (; read < peer.inbox.length; read++) {
        noteReceipt(peer.inbox[read], answered);
      }
      if (peer.conn.closed) return;
    }
    const msg = await peer.pack(to.id, TextContent.create(`t${index}`));
    sent.push(msg.signature);
    void peer.send(msg);
  }
}

function noteReceipt(
  received: TestPeer["inbox"][number],
  answered: Set<string>,
): void {
  const content = received.instant?.content;
  if (!(content instanceof ReceiptCommand)) return;
  const signature = content.originalSignature;
  if (signature !== undefined) answered.add(signature);
}

/**
 * Runs the crash cycles and the final drain in a fresh temp directory
 * (removed afterwards); every process it started is stopped.
 */
export async function crashRun(options: CrashOptions): Promise<CrashReport> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-crash-" });
  const all = await accounts(2 * options.pairs);
  const senders = all.slice(0, options.pairs);
  const receivers = all.slice(options.pairs);
  const senderIds = new Set(senders.map((a) => a.id.value));
  const seen = receivers.map(() => new Map<string, number>());
  const sent = senders.map((): string[] => []);
  const answered = senders.map(() => new Set<string>());
  const receipts: Record<string, number> = {};
  let child: StationChild | undefined;
  let kills = 0;
  try {
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      child = await startLocalStation(dir, ["--log", "error"]);
      const world = new World();
      for (const account of all) world.know(account);
      const peers: TestPeer[] = [];
      const silent: SilentMtpClient[] = [];
      try {
        for (const [i, account] of receivers.entries()) {
          if (i % 2 === 1) {
            const client = await SilentMtpClient.connect(
              child.port,
              account,
              world,
            );
            silent.push(client);
            await client.handshake();
            continue;
          }
          peers.push(
            await reader(child.port, account, world, senderIds, seen[i]),
          );
        }
        const outbound = await online(child.port, senders, { world });
        peers.push(...outbound);
        const cycleSent = senders.map((): string[] => []);
        const cycleAnswered = senders.map(() => new Set<string>());
        const load = outbound.map((peer, i) =>
          sendUntilClosed(
            peer,
            receivers[i],
            options.window,
            cycleSent[i],
            cycleAnswered[i],
          ).catch(() => {})
        );
        const span = options.maxMs - options.minMs;
        await new Promise((resolve) =>
          setTimeout(resolve, options.minMs + Math.random() * span)
        );
        await stopStation(child, "SIGKILL");
        child = undefined;
        kills++;
        await Promise.all(load);
        await Promise.all(peers.map((peer) => peer.close()));
        outbound.forEach((peer, i) => {
          for (const received of peer.inbox) {
            noteReceipt(received, cycleAnswered[i]);
            const content = received.instant?.content;
            if (content instanceof ReceiptCommand) {
              receipts[content.text] = (receipts[content.text] ?? 0) + 1;
            }
          }
          sent[i].push(...cycleSent[i]);
          for (const signature of cycleAnswered[i]) answered[i].add(signature);
        });
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
        for (const client of silent) client.raw.conn.close();
      }
    }
    child = await startLocalStation(dir, ["--log", "error"]);
    const world = new World();
    for (const account of all) world.know(account);
    const drained: TestPeer[] = [];
    try {
      for (const [i, account] of receivers.entries()) {
        drained.push(
          await reader(child.port, account, world, senderIds, seen[i]),
        );
      }
      const missing = (): number =>
        answered.reduce(
          (sum, set, i) => sum + [...set].filter((s) => !seen[i].has(s)).length,
          0,
        );
      const deadline = Date.now() + options.drainMs;
      while (missing() > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // and whatever else was stored
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await Promise.all(drained.map((peer) => peer.close()));
    }
    let count = 0;
    let delivered = 0;
    let twice = 0;
    answered.forEach((set, i) => {
      count += set.size;
      for (const signature of set) if (seen[i].has(signature)) delivered++;
    });
    for (const map of seen) {
      for (const n of map.values()) if (n > 1) twice++;
    }
    return {
      kills,
      sent: sent.reduce((sum, list) => sum + list.length, 0),
      answered: count,
      delivered,
      deliveredTwice: twice,
      lost: count - delivered,
      receipts,
    };
  } finally {
    if (child !== undefined) await stopStation(child, "SIGTERM");
    Deno.removeSync(dir, { recursive: true });
  }
}
