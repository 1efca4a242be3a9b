/**
 * 100,000 stored user documents (and their metas) for the search
 * benchmarks of the store and the archivist: deterministic names from a few
 * syllables, one "Needle Haystack" at index 77,777, IDs with valid
 * BTC-style user addresses (network 0x08, as `hulk@4YeVEN…`) of random
 * fingerprints.
 *
 * @module
 */
import { btcAddress } from "../../dimp/identity/address.ts";
import type { Store } from "../../store/mod.ts";

/** How many documents the search benchmarks use. */
export const DOCUMENTS = 100_000;

/** The index of the one document named "Needle Haystack". */
export const NEEDLE_AT = 77_777;

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ne",
  "ru",
  "sa",
  "to",
  "vi",
  "zen",
  "qu",
  "ar",
  "el",
];

/** Saves `count` user documents with their metas in one transaction. */
export function fillDocuments(store: Store, count: number = DOCUMENTS): void {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const word = (parts: number): string =>
    Array.from(
      { length: parts },
      () => SYLLABLES[random(SYLLABLES.length)],
    ).join("");
  store.db.write(() => {
    for (let i = 0; i < count; i++) {
      const fingerprint = Uint8Array.from({ length: 16 }, () => random(256));
      const id = `${word(2)}${i}@${btcAddress(fingerprint, 0x08).value}`;
      const name = i === NEEDLE_AT
        ? "Needle Haystack"
        : `${word(2)} ${word(3)}`;
      store.metas.save(id, { type: 1, seed: id.split("@")[0] });
      store.documents.save({
        id,
        type: "visa",
        createdTime: i,
        time: i,
        name,
        doc: {
          did: id,
          type: "visa",
          data: JSON.stringify({ name, time: i }),
          signature: "c2ln",
        },
      });
    }
  });
}

/** `count` valid user IDs (for the online users table). */
export function userIds(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) =>
      `user${i}@${
        btcAddress(Uint8Array.of(i >> 16, i >> 8, i & 0xff), 0x08).value
      }`,
  );
}
