/**
 * The AES engines per message: OpenSSL's libcrypto through FFI
 * (`station/openssl_aes.ts`, one kept cipher context) against the
 * runtime's `node:crypto` (baseline, same run; its ciphers kept per key,
 * `dimp/crypto/_kept_cbc.ts`), AES-256-CBC of a handshake-sized message
 * (~300 bytes) under a new key each time (as every handshake brings) and
 * under one key (a session's later messages). Without libcrypto only the
 * runtime's run.
 *
 * Run: deno bench -A tests/bench/aes_engine_bench.ts
 */
import {
  type AesEngine,
  AesKey,
  installAesEngine,
} from "../../dimp/crypto/mod.ts";
import { openOpensslAes } from "../../station/openssl_aes.ts";
import { DEFAULT_LIBCRYPTO } from "../../station/libcrypto.ts";

const MESSAGE = new Uint8Array(300).fill(0x61);
const PARAMS = { IV: "AAAAAAAAAAAAAAAAAAAAAA==" };
/** New keys, made before the clock: one per iteration, in turn. */
const NEW_KEYS = Array.from({ length: 4096 }, () => AesKey.generate());
const SEALED = await Promise.all(
  NEW_KEYS.map((key) => key.encrypt(MESSAGE, { ...PARAMS })),
);
const ONE_KEY = AesKey.generate();
const ONE_SEALED = await ONE_KEY.encrypt(MESSAGE, { ...PARAMS });

const engines: [string, AesEngine | undefined][] = [["runtime", undefined]];
try {
  engines.push(["openssl", openOpensslAes(DEFAULT_LIBCRYPTO)]);
} catch {
  // no libcrypto here: the runtime's only
}

for (const [name, engine] of engines) {
  const baseline = engine === undefined;
  let i = 0;
  Deno.bench(`AES-256 encrypt 300 B, a new key, ${name}`, {
    group: "encrypt new key",
    baseline,
  }, async () => {
    installAesEngine(engine);
    await NEW_KEYS[i++ & 4095].encrypt(MESSAGE, { ...PARAMS });
  });
  let j = 0;
  Deno.bench(`AES-256 decrypt 300 B, a new key, ${name}`, {
    group: "decrypt new key",
    baseline,
  }, async () => {
    installAesEngine(engine);
    const k = j++ & 4095;
    await NEW_KEYS[k].decrypt(SEALED[k], PARAMS);
  });
  Deno.bench(`AES-256 encrypt 300 B, one key, ${name}`, {
    group: "encrypt one key",
    baseline,
  }, async () => {
    installAesEngine(engine);
    await ONE_KEY.encrypt(MESSAGE, { ...PARAMS });
  });
  Deno.bench(`AES-256 decrypt 300 B, one key, ${name}`, {
    group: "decrypt one key",
    baseline,
  }, async () => {
    installAesEngine(engine);
    await ONE_KEY.decrypt(ONE_SEALED, PARAMS);
  });
}
