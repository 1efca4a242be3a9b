/**
 * Key material from the vectors, in the forms the crypto tests need.
 *
 * @module
 */
import { identityVectors, type KeyJson } from "../_vectors.ts";

interface RsaSignInput {
  private_key: KeyJson;
  public_key: KeyJson;
  data_utf8: string;
}

/** An `rsa_sign` vector by id. */
export function rsaSignVector(id: string): {
  input: RsaSignInput;
  expect: { signature_base64: string; public_key_spki_der_base64?: string };
} {
  const v = identityVectors<
    RsaSignInput,
    { signature_base64: string; public_key_spki_der_base64?: string }
  >("rsa_sign").find((v) => v.id === id);
  if (v === undefined) throw new Error(`no vector ${id}`);
  return v;
}

/** Wraps base64 into PEM armour with the given line length and line break. */
export function pem(
  label: string,
  base64: string,
  columns = 64,
  newline = "\n",
): string {
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < base64.length; i += columns) {
    lines.push(base64.slice(i, i + columns));
  }
  lines.push(`-----END ${label}-----`);
  return lines.join(newline);
}

/** The base64 body of the first PEM block in `text`. */
export function pemBody(text: string): string {
  return text.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
}
