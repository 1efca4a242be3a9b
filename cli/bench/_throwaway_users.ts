/**
 * New users for the bench's handshake warm-up (private to `cli/bench`),
 * kept in no store: each has an identity key of its own (ECC, an ETH meta,
 * as the bench users) and a visa signed with it; they share one RSA visa
 * key (an RSA key pair takes ~20 ms to make, an ECC one ~0.6 ms), which
 * changes nothing a station does for them — each is a user it has never
 * seen.
 *
 * @module
 */
import { generatePrivateKey } from "../../dimp/crypto/mod.ts";
import {
  Document,
  EntityType,
  Meta,
  MetaType,
} from "../../dimp/identity/mod.ts";
import type { LocalUser } from "../../dimp/message/mod.ts";

/**
 * `count` new users, named `warm-up N`.
 *
 * @example
 * ```ts ignore
 * const users = await throwawayUsers(300);
 * ```
 */
export async function throwawayUsers(count: number): Promise<LocalUser[]> {
  if (count <= 0) return [];
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
  return users;
}
