/**
 * A worker thread of `_libcrypto_exit_child.ts`: loads libcrypto as the
 * station's engines do and fetches a digest over and over (each fetch takes
 * OpenSSL's locks) until the process exits under it.
 *
 * @module
 */
import { DEFAULT_LIBCRYPTO, openLibcrypto } from "../../station/libcrypto.ts";

const library = openLibcrypto(DEFAULT_LIBCRYPTO, {
  EVP_MD_fetch: {
    parameters: ["pointer", "buffer", "pointer"],
    result: "pointer",
  },
  EVP_MD_free: { parameters: ["pointer"], result: "void" },
});
const sha256 = new TextEncoder().encode("SHA256\0");
self.postMessage("fetching");
for (;;) {
  library.symbols.EVP_MD_free(
    library.symbols.EVP_MD_fetch(null, sha256, null),
  );
}
