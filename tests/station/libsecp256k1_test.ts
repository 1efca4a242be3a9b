/**
 * The libsecp256k1 ECDSA engine (FFI) against the runtime's (`node:crypto`
 * verifies, noble signs): the same answer for every ECDSA vector and for
 * random keys and data, the same signatures (RFC 6979), high-S, wrong,
 * malformed and out-of-range signatures taken or refused alike; evicted
 * keys parsed again; `auto` falls back (no library, no `--allow-ffi`, a
 * library that fails the self-test) and says why; real handshakes over
 * 127.0.0.1 between a station and clients on different engines. Real
 * library, real keys; where libsecp256k1 does not load, the tests that need
 * it are ignored and say why.
 */
import assert from "node:assert/strict";
import { TextContent } from "../../dimp/content/mod.ts";
import {
  decodeEcdsaSignature,
  EccPrivateKey,
  type EccPublicKey,
  type EcdsaEngine,
  ecdsaEngine,
  encodeEcdsaSignature,
  hexDecode,
  installEcdsaEngine,
  isLowS,
  parsePublicKey,
  sha256,
  utf8Encode,
} from "../../dimp/crypto/mod.ts";
import {
  installEcdsaChoice,
  installedLibsecp256k1Path,
  parseEcdsaEngine,
} from "../../station/ecdsa_choice.ts";
import {
  type Libsecp256k1Engine,
  openLibsecp256k1,
  Secp256k1Error,
} from "../../station/libsecp256k1.ts";
import {
  identityVectors,
  type KeyJson,
  type ReferenceAccount,
  type ReferenceCrypto,
} from "../dimp/_vectors.ts";
import { loadVectors } from "../_vectors.ts";
import { startLocalStation, stopStation } from "./_child.ts";
import { buildShim, runWithoutFfi } from "./_ffi_tools.ts";
import { SignerPool } from "../../station/mod.ts";
import { accounts, closeAll, online, type Received, World } from "./_peer.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

let missing = "";
try {
  openLibsecp256k1().close();
} catch (error) {
  missing = `libsecp256k1 does not load: ${(error as Error).message}`;
}

/** A test that needs libsecp256k1: ignored, with the reason, where it is absent. */
function withLibrary(
  name: string,
  fn: (engine: Libsecp256k1Engine) => Promise<void>,
): void {
  Deno.test({
    name: missing === "" ? name : `${name} (ignored: ${missing})`,
    ignore: missing !== "",
    fn: async () => {
      const engine = openLibsecp256k1({ publicKeys: 8 });
      try {
        await fn(engine);
      } finally {
        installEcdsaEngine(undefined);
        engine.close();
      }
    },
  });
}

/** The runtime's engine (the default one). */
function runtimeEngine(): EcdsaEngine {
  const before = installEcdsaEngine(undefined);
  const runtime = ecdsaEngine();
  installEcdsaEngine(before);
  return runtime;
}

/**
 * `engine`'s verdict on `der` by `point` over `data`, as `ecc.ts` asks it
 * (a signature `ecc.ts` refuses to read is `false` before any engine);
 * straight to the engine, so the cache of verified signatures never
 * answers.
 */
async function verdict(
  engine: EcdsaEngine,
  point: Uint8Array,
  data: Uint8Array,
  der: Uint8Array,
): Promise<boolean> {
  let lowS: Uint8Array;
  try {
    const { r, s } = decodeEcdsaSignature(der);
    lowS = isLowS(s) ? der : encodeEcdsaSignature({ r, s: N - s });
  } catch {
    return false;
  }
  const key = await engine.importPublic(point);
  return engine.verify(key, data, sha256(data), lowS);
}

/** Every ECDSA signature the vectors hold: key point, data, DER, verdict. */
function vectorSignatures(): {
  id: string;
  point: Uint8Array;
  data: Uint8Array;
  der: Uint8Array;
  verify: boolean;
}[] {
  const out = identityVectors<
    { public_key: KeyJson; data_utf8: string; signature_der_hex: string },
    { verify: boolean }
  >("ecdsa_verify").map((v) => ({
    id: v.id,
    point: (parsePublicKey(v.input.public_key) as EccPublicKey).point,
    data: utf8Encode(v.input.data_utf8),
    der: hexDecode(v.input.signature_der_hex),
    verify: v.expect.verify,
  }));
  const reference = loadVectors("reference-generated") as {
    crypto: ReferenceCrypto[];
    accounts: ReferenceAccount[];
  };
  for (const entry of reference.crypto) {
    const account = reference.accounts.find((a) => a.label === entry.label);
    if (
      entry.algorithm !== "ECC" || entry.signature_base64 === undefined ||
      entry.data_utf8 === undefined || account === undefined
    ) continue;
    const point = (parsePublicKey(account.id_public_key) as EccPublicKey)
      .point;
    const data = utf8Encode(entry.data_utf8);
    const der = Uint8Array.fromBase64(entry.signature_base64);
    out.push({
      id: `reference ${entry.label}`,
      point,
      data,
      der,
      verify: entry.verified ?? true,
    });
    // and over other data: refused
    out.push({
      id: `reference ${entry.label}, other data`,
      point,
      data: utf8Encode(`${entry.data_utf8}!`),
      der,
      verify: false,
    });
  }
  return out;
}

withLibrary(
  "libsecp256k1 engine: the same verdict as the runtime's on every ECDSA vector",
  async (engine) => {
    const runtime = runtimeEngine();
    const vectors = vectorSignatures();
    assert.ok(vectors.length >= 20, `${vectors.length} ECDSA vectors`);
    let accepted = 0;
    for (const v of vectors) {
      const ours = await verdict(engine, v.point, v.data, v.der);
      assert.equal(ours, await verdict(runtime, v.point, v.data, v.der), v.id);
      assert.equal(ours, v.verify, v.id);
      if (ours) accepted++;
    }
    assert.ok(accepted >= 10, `${accepted} vectors verify`);
  },
);

withLibrary(
  "libsecp256k1 engine: random keys and data — the same signatures as the runtime's (RFC 6979, low S), each verifies the other's",
  async (engine) => {
    const runtime = runtimeEngine();
    for (let i = 0; i < 24; i++) {
      const key = await EccPrivateKey.generate();
      const other = await EccPrivateKey.generate();
      const data = crypto.getRandomValues(new Uint8Array(1 + i * 37));
      installEcdsaEngine(engine);
      const ours = await key.sign(data);
      installEcdsaEngine(undefined);
      const theirs = await key.sign(data);
      assert.deepEqual(ours, theirs);
      assert.ok(isLowS(decodeEcdsaSignature(ours).s));
      const point = key.publicKey.point;
      for (const verifier of [engine, runtime]) {
        assert.equal(await verdict(verifier, point, data, ours), true);
        const { r, s } = decodeEcdsaSignature(ours);
        const high = encodeEcdsaSignature({ r, s: N - s });
        assert.equal(await verdict(verifier, point, data, high), true);
        const changed = data.slice();
        changed[0] ^= 1;
        assert.equal(await verdict(verifier, point, changed, ours), false);
        assert.equal(
          await verdict(verifier, other.publicKey.point, data, ours),
          false,
        );
      }
    }
  },
);

withLibrary(
  "libsecp256k1 engine: flipped, malformed, zero and out-of-range signatures refused as by the runtime; high S taken",
  async (engine) => {
    const runtime = runtimeEngine();
    const key = await EccPrivateKey.generate();
    const data = utf8Encode("moky");
    const der = await key.sign(data);
    const { r, s } = decodeEcdsaSignature(der);
    const hex = (n: bigint) => {
      let text = n.toString(16);
      if (text.length % 2 === 1) text = "0" + text;
      if (text.charCodeAt(0) >= 0x38) text = "00" + text;
      return text;
    };
    const sequence = (a: string, b: string) => {
      const body = `02${(a.length / 2).toString(16).padStart(2, "0")}${a}02${
        (b.length / 2).toString(16).padStart(2, "0")
      }${b}`;
      return hexDecode(`30${(body.length / 2).toString(16)}${body}`);
    };
    const flipped = der.slice();
    flipped[10] ^= 1;
    const cases: Record<string, [Uint8Array, boolean]> = {
      "as signed": [der, true],
      "high S": [sequence(hex(r), hex(N - s)), true],
      "a flipped bit": [flipped, false],
      "r = 0": [sequence("00", hex(s)), false],
      "s = 0": [sequence(hex(r), "00"), false],
      "r = n": [sequence(hex(N), hex(s)), false],
      "s = n": [sequence(hex(r), hex(N)), false],
      "r = n + r": [sequence(hex(N + r), hex(s)), false],
      "s ≥ 2²⁵⁶": [sequence(hex(r), "01" + "00".repeat(32)), false],
      "empty": [new Uint8Array(0), false],
      "raw r‖s": [hexDecode("11".repeat(64)), false],
      "truncated": [der.subarray(0, der.length - 1), false],
      "trailing byte": [new Uint8Array([...der, 0]), false],
      "non-minimal integer": [sequence("0001", hex(s)), false],
    };
    installEcdsaEngine(engine);
    for (const [what, [signature, expected]] of Object.entries(cases)) {
      // through the key (ecc.ts reads the DER, then the engine), and
      // straight to each engine (what reaches it only after ecc.ts's checks)
      assert.equal(
        await key.publicKey.verify(data, signature),
        expected,
        what,
      );
      assert.equal(
        await verdict(engine, key.publicKey.point, data, signature),
        await verdict(runtime, key.publicKey.point, data, signature),
        what,
      );
    }
    // what no DER reader lets through, handed to the engines directly:
    // r or s zero or ≥ n as DER the runtime reads
    for (
      const [what, signature] of [
        ["r = 0", sequence("00", hex(s))],
        ["s = n", sequence(hex(r), hex(N))],
        ["r = n", sequence(hex(N), hex(s))],
      ] as const
    ) {
      const handle = await engine.importPublic(key.publicKey.point);
      const runtimeHandle = await runtime.importPublic(key.publicKey.point);
      assert.equal(
        await engine.verify(handle, data, sha256(data), signature),
        false,
        what,
      );
      assert.equal(
        await runtime.verify(runtimeHandle, data, sha256(data), signature),
        false,
        what,
      );
    }
  },
);

withLibrary(
  "libsecp256k1 engine: parsed keys are evicted beyond the bound and parsed again when used",
  async (engine) => {
    const keys = await Promise.all(
      Array.from({ length: 12 }, () => EccPrivateKey.generate()),
    );
    const data = utf8Encode("evicted");
    const signatures = await Promise.all(keys.map((key) => key.sign(data)));
    const handles = await Promise.all(
      keys.map((key) => engine.importPublic(key.publicKey.point)),
    );
    assert.equal(engine.parses, 12);
    assert.equal(engine.cachedKeys, 8);
    for (let round = 0; round < 3; round++) {
      for (const [i, handle] of handles.entries()) {
        const der = signatures[i];
        assert.ok(await engine.verify(handle, data, sha256(data), der));
        const other = handles[(i + 1) % handles.length];
        assert.equal(
          await engine.verify(other, data, sha256(data), der),
          false,
        );
      }
      assert.equal(engine.cachedKeys, 8);
    }
    // 12 keys in turn through a cache of 8: every use after the first
    // round parses again (two keys a check)
    assert.ok(engine.parses >= 12 + 3 * 12, `${engine.parses} parses`);
  },
);

Deno.test("ecdsa engine: auto falls back to the runtime when libsecp256k1 is not there", async () => {
  const auto = installEcdsaChoice("auto", {
    path: "/nonexistent/libsecp256k1.so.1",
  });
  try {
    assert.equal(auto.engine, "runtime");
    assert.match(
      auto.summary,
      /^ECDSA engine: runtime \(node:crypto, noble; cannot load \/nonexistent\/libsecp256k1\.so\.1/,
    );
    assert.equal(ecdsaEngine().name, "runtime");
    assert.equal(installedLibsecp256k1Path(), undefined);
    const key = await EccPrivateKey.generate();
    const signature = await key.sign(utf8Encode("still works"));
    assert.ok(await key.publicKey.verify(utf8Encode("still works"), signature));
  } finally {
    installEcdsaEngine(undefined);
  }
  assert.throws(
    () =>
      installEcdsaChoice("libsecp256k1", {
        path: "/nonexistent/libsecp256k1.so.1",
      }),
    Secp256k1Error,
  );
  assert.equal(installEcdsaChoice("runtime").engine, "runtime");
  assert.equal(parseEcdsaEngine("libsecp256k1"), "libsecp256k1");
  assert.equal(parseEcdsaEngine("secp"), undefined);
});

Deno.test({
  name: missing === ""
    ? "ecdsa engine: auto takes libsecp256k1 when it loads"
    : `ecdsa engine: auto takes libsecp256k1 when it loads (ignored: ${missing})`,
  ignore: missing !== "",
  fn: () => {
    try {
      const auto = installEcdsaChoice("auto");
      assert.equal(auto.engine, "libsecp256k1");
      assert.equal(
        auto.summary,
        "ECDSA engine: libsecp256k1 (libsecp256k1.so.1)",
      );
      assert.equal(ecdsaEngine().name, "libsecp256k1");
      assert.equal(installedLibsecp256k1Path(), "libsecp256k1.so.1");
    } finally {
      installEcdsaEngine(undefined);
    }
  },
});

Deno.test("ecdsa engine: without --allow-ffi, auto runs the runtime's and says why", async () => {
  const text = await runWithoutFfi(
    new URL("./_ecdsa_engine_child.ts", import.meta.url),
  );
  assert.match(
    text,
    /^ECDSA engine: runtime \(node:crypto, noble; cannot load libsecp256k1\.so\.1: .*ffi/m,
  );
  assert.match(text, /^verified: yes$/m);
});

/**
 * A libsecp256k1 whose `secp256k1_ecdsa_verify` says yes to anything
 * (every other symbol is the library's own).
 */
const _YES_SHIM = `int secp256k1_ecdsa_verify(const void *ctx, const void *sig,
                           const unsigned char *msghash32,
                           const void *pubkey) {
  (void)ctx; (void)sig; (void)msghash32; (void)pubkey;
  return 1;
}
`;

withLibrary(
  "libsecp256k1 engine: a library that verifies anything fails the self-test, and auto falls back",
  () => {
    const dir = Deno.makeTempDirSync({ prefix: "dim-secp256k1-shim-" });
    try {
      const path = buildShim(dir, _YES_SHIM, "libsecp256k1.so.1");
      assert.throws(
        () => openLibsecp256k1({ path }),
        (error: unknown) =>
          error instanceof Secp256k1Error &&
          /self-test: it verifies a signature over other data/.test(
            error.message,
          ),
      );
      const auto = installEcdsaChoice("auto", { path });
      assert.equal(auto.engine, "runtime");
      assert.match(auto.summary, /libsecp256k1 fails the self-test/);
      assert.equal(ecdsaEngine().name, "runtime");
      assert.throws(
        () => installEcdsaChoice("libsecp256k1", { path }),
        Secp256k1Error,
      );
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
    return Promise.resolve();
  },
);

const isText = (r: Received) => r.instant?.content instanceof TextContent;

/**
 * A `dim station` child on `stationEngine`, two clients here on
 * `clientEngine` (installed before they sign anything): both handshake over
 * 127.0.0.1 (the station checks their meta, visa and offers; they check
 * its replies) and a text goes from one to the other.
 */
async function handshakes(
  stationEngine: "libsecp256k1" | "runtime",
  clientEngine: "libsecp256k1" | "runtime",
): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "dim-secp256k1-station-" });
  const child = await startLocalStation(dir, [], [], {
    DIM_STATION_ECDSA_ENGINE: stationEngine,
  });
  try {
    assert.equal(installEcdsaChoice(clientEngine).engine, clientEngine);
    const [alice, bob] = await accounts(2);
    const peers = await online(child.port, [alice, bob], {
      world: new World(),
    });
    try {
      await peers[0].sendContent(bob.id, TextContent.create("engines"));
      const got = await peers[1].next(isText);
      assert.equal(
        (got.instant!.content as TextContent).text,
        "engines",
      );
    } finally {
      await closeAll(peers);
    }
  } finally {
    installEcdsaEngine(undefined);
    await stopStation(child, "SIGTERM");
    Deno.removeSync(dir, { recursive: true });
  }
  assert.match(
    child.log(),
    new RegExp(`ECDSA engine: ${stationEngine} \\(`),
  );
}

withLibrary(
  "libsecp256k1 engine: a station on it and clients on the runtime's handshake over 127.0.0.1",
  () => handshakes("libsecp256k1", "runtime"),
);

withLibrary(
  "libsecp256k1 engine: a station on the runtime's and clients on it handshake over 127.0.0.1",
  () => handshakes("runtime", "libsecp256k1"),
);

withLibrary(
  "libsecp256k1 engine: its nonces (k·G by the library) sign what the runtime verifies; a SignerPool's thread is handed the engine and makes them",
  async (engine) => {
    const key = await EccPrivateKey.generate();
    installEcdsaEngine(engine);
    const nonces = engine.nonces(64);
    assert.equal(nonces.length, 64);
    assert.equal(new Set(nonces.map((nonce) => nonce.r)).size, 64);
    const runtime = runtimeEngine();
    for (const [i, nonce] of nonces.entries()) {
      assert.ok(nonce.r > 0n && nonce.r < N);
      assert.ok(nonce.kInverse > 0n && nonce.kInverse < N);
      const data = utf8Encode(`nonce ${i}`);
      const der = key.signWithNonce(data, nonce);
      assert.equal(decodeEcdsaSignature(der).r, nonce.r);
      assert.ok(await verdict(runtime, key.publicKey.point, data, der));
    }
    installEcdsaEngine(undefined);
    assert.equal(installEcdsaChoice("libsecp256k1").engine, "libsecp256k1");
    const pool = new SignerPool(key, 1);
    try {
      for (let i = 0; i < 100 && pool.noncesReady === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(pool.noncesReady > 0, "the thread made nonces");
      const data = utf8Encode("signed with a nonce of the thread's");
      const der = await pool.sign(data);
      assert.notDeepEqual(der, await key.sign(data)); // not RFC 6979's
      assert.ok(await verdict(runtime, key.publicKey.point, data, der));
    } finally {
      pool.close();
    }
  },
);
