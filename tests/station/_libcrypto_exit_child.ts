/**
 * A process that loads libcrypto as the station does, starts two worker
 * threads that call into it without pause, and exits while they do (as the
 * station exits at its stop with its signer and pool threads alive). Prints
 * "exiting" just before `Deno.exit(0)`: a crash after that is the exit's.
 *
 * @module
 */
import { DEFAULT_LIBCRYPTO, openLibcrypto } from "../../station/libcrypto.ts";

const library = openLibcrypto(DEFAULT_LIBCRYPTO, {
  OpenSSL_version_num: { parameters: [], result: "u64" },
});
library.symbols.OpenSSL_version_num();
const workers = [0, 1].map(() =>
  new Worker(new URL("./_libcrypto_exit_worker.ts", import.meta.url), {
    type: "module",
  })
);
await Promise.all(
  workers.map((worker) => new Promise((resolve) => worker.onmessage = resolve)),
);
await new Promise((resolve) => setTimeout(resolve, 20));
Deno.stdout.writeSync(new TextEncoder().encode("exiting\n"));
Deno.exit(0);
