/**
 * The new users' handshakes of `dim station`'s self warm-up (run by
 * `_self_warmup_worker.ts`): a station after a restart meets a storm of
 * users it has never seen — three signatures checked, a meta and a visa
 * stored, a sealed key opened, the reply's key sealed for a new visa key —
 * and the texts of the warm-up bring only ten. Each of these users has an
 * identity key of its own and a visa signed with it; they share one RSA
 * visa key (an RSA key pair takes ~20 ms to make, an ECC one ~0.6 ms),
 * which changes nothing the station does for them.
 *
 * @module
 */
import { generatePrivateKey } from "../dimp/crypto/mod.ts";
import { Document, EntityType, Meta, MetaType } from "../dimp/identity/mod.ts";
import { type LocalUser, MemoryCipherKeyCache } from "../dimp/message/mod.ts";
import { AccountsDirectory } from "../client/mod.ts";
import type { Accounts } from "../store/mod.ts";
import { benchSession } from "./bench/mod.ts";
import { eachLimited } from "./bench/_each_limited.ts";

/** Handshakes under way at once (the bench's default). */
const CONCURRENCY = 16;

/**
 * Makes `count` new users and handshakes each once with the station on
 * `port` (loopback, MTP), then closes their sessions; the handshakes
 * completed.
 *
 * @example
 * ```ts ignore
 * const done = await freshHandshakes(accounts, station.port, 250);
 * ```
 */
export async function freshHandshakes(
  accounts: Accounts,
  port: number,
  count: number,
): Promise<number> {
  if (count <= 0) return 0;
  const visaKey = await generatePrivateKey("RSA");
  const users: LocalUser[] = [];
  for (let i = 0; i < count; i++) {
    const signKey = await generatePrivateKey("ECC");
    const meta = await Meta.generate(MetaType.ETH, signKey);
    const id = meta.generateId(EntityType.USER);
    const visa = Document.create(id);
    visa.setProperty("name", `warm-up ${i}`);
    visa.setVisaKey(visaKey.publicKey);
    await visa.sign(signKey);
    users.push({ id, signKey, decryptKeys: [visaKey], meta, visa });
  }
  const directory = new AccountsDirectory(accounts);
  const cipherKeys = new MemoryCipherKeyCache();
  const sessions = users.map((user) =>
    benchSession(
      { accounts, host: "127.0.0.1", port, framing: "mtp" },
      { user, directory, cipherKeys },
    )
  );
  let done = 0;
  try {
    await eachLimited(sessions, CONCURRENCY, async (session) => {
      await session.connect();
      done++;
    });
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
  return done;
}
