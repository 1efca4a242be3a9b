/**
 * Child of `openssl_rsa_test.ts`: installs the `auto` engine (run without
 * `--allow-ffi`), prints its summary, and whether a key still decrypts.
 */
import { RsaPrivateKey, utf8Encode } from "../../dimp/crypto/mod.ts";
import { installCryptoEngine } from "../../station/crypto_engine.ts";

const { summary } = installCryptoEngine("auto");
const key = await RsaPrivateKey.generate();
const sealed = await key.publicKey.encrypt(utf8Encode("x"));
const opened = await key.decrypt(sealed);
const verdict = opened?.[0] === 0x78 ? "yes" : "no";
await Deno.stdout.write(
  new TextEncoder().encode(`${summary}\ndecrypted: ${verdict}\n`),
);
