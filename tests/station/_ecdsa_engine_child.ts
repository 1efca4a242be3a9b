/**
 * Child of `libsecp256k1_test.ts`: installs the `auto` ECDSA engine (run
 * without `--allow-ffi`), prints its summary, and whether a signature still
 * verifies.
 */
import { EccPrivateKey, utf8Encode } from "../../dimp/crypto/mod.ts";
import { installEcdsaChoice } from "../../station/ecdsa_choice.ts";

const { summary } = installEcdsaChoice("auto");
const key = await EccPrivateKey.generate();
const signature = await key.sign(utf8Encode("x"));
const verified = await key.publicKey.verify(utf8Encode("x"), signature);
await Deno.stdout.write(
  new TextEncoder().encode(
    `${summary}\nverified: ${verified ? "yes" : "no"}\n`,
  ),
);
