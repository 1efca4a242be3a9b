/**
 * The chat page on the station port (issue 16): served for a browser at
 * `/` with its script and style, a strict CSP, ETags and compression; the
 * status page at `/status`, JSON at `/` for `Accept: application/json`.
 */
import assert from "node:assert/strict";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { APP_JS } from "../../../web/bundle.ts";
import { INDEX_HTML, STYLE_CSS } from "../../../web/page.ts";
import { RawClient, recorder, utf8, withListener } from "./_helpers.ts";

interface RawResponse {
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: Uint8Array;
}

/** Sends a raw request; the whole response (the station closes after it). */
async function request(
  port: number,
  path: string,
  fields: Record<string, string> = {},
  method = "GET",
): Promise<RawResponse> {
  const raw = await RawClient.connect(port);
  const head = Object.entries({ host: `127.0.0.1:${port}`, ...fields })
    .map(([name, value]) => `${name}: ${value}\r\n`).join("");
  await raw.write(utf8(`${method} ${path} HTTP/1.1\r\n${head}\r\n`));
  const { bytes, eof } = await raw.readToEnd();
  raw.close();
  assert.ok(eof, "Connection: close");
  let split = 0;
  while (
    !(bytes[split] === 13 && bytes[split + 1] === 10 &&
      bytes[split + 2] === 13 && bytes[split + 3] === 10)
  ) split++;
  const lines = new TextDecoder().decode(bytes.subarray(0, split)).split(
    "\r\n",
  );
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers.set(
      line.slice(0, colon).toLowerCase(),
      line.slice(colon + 1).trim(),
    );
  }
  return {
    status: Number(lines[0].slice(9, 12)),
    headers,
    body: bytes.subarray(split + 4),
  };
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("web app: GET / for a browser is the chat page with a strict CSP; its script and style are served", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const port = listener.port;
    const page = await request(port, "/", { accept: "text/html" });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type")!, /^text\/html/);
    assert.equal(decode(page.body), INDEX_HTML);
    for (const id of ["register-name", "my-id", "status", "send"]) {
      assert.ok(decode(page.body).includes(`data-testid="${id}"`), id);
    }
    const csp = page.headers.get("content-security-policy")!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.ok(
      csp.includes(`connect-src 'self' ws://127.0.0.1:${port} `),
      csp,
    );
    assert.doesNotMatch(csp, /unsafe/);
    // nothing inline: every script has a src, no style attribute or element
    assert.doesNotMatch(INDEX_HTML, /<script(?![^>]*\ssrc=)[^>]*>/);
    assert.doesNotMatch(INDEX_HTML, /\sstyle=|<style/);
    assert.doesNotMatch(INDEX_HTML, /https?:\/\//, "no outside request");

    const script = await request(port, "/app.js");
    assert.equal(script.status, 200);
    assert.match(script.headers.get("content-type")!, /^text\/javascript/);
    assert.equal(decode(script.body), APP_JS);
    const style = await request(port, "/app.css");
    assert.match(style.headers.get("content-type")!, /^text\/css/);
    assert.equal(decode(style.body), STYLE_CSS);
    assert.equal(listener.connections.size, 0);
  });
});

Deno.test("web app: ETag answers If-None-Match with 304; brotli and gzip when accepted", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const port = listener.port;
    const plain = await request(port, "/app.js");
    const etag = plain.headers.get("etag")!;
    assert.match(etag, /^"[0-9a-f]{24}"$/);
    assert.equal(plain.headers.get("content-encoding"), undefined);
    assert.equal(plain.headers.get("vary"), "Accept-Encoding");
    assert.equal(
      Number(plain.headers.get("content-length")),
      plain.body.length,
    );

    const again = await request(port, "/app.js", { "if-none-match": etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const other = await request(port, "/app.js", {
      "if-none-match": '"0000"',
    });
    assert.equal(other.status, 200);
    // another file, another tag
    assert.notEqual(
      (await request(port, "/app.css")).headers.get("etag"),
      etag,
    );

    const br = await request(port, "/app.js", {
      "accept-encoding": "gzip, deflate, br",
    });
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.ok(br.body.length < plain.body.length / 2);
    assert.equal(decode(brotliDecompressSync(br.body)), APP_JS);

    const gzip = await request(port, "/", {
      accept: "text/html",
      "accept-encoding": "gzip, br;q=0",
    });
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.equal(decode(gunzipSync(gzip.body)), INDEX_HTML);

    const head = await request(port, "/app.js", {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers.get("content-length"), String(APP_JS.length));
  });
});

Deno.test("web app: the status page moved to /status; / stays JSON for application/json", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const port = listener.port;
    const status = await request(port, "/status", { accept: "text/html" });
    assert.equal(status.status, 200);
    assert.match(decode(status.body), /<h1>DIM station<\/h1>/);
    const json = await request(port, "/", { accept: "application/json" });
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.equal(typeof JSON.parse(decode(json.body)).uptime, "number");
    assert.equal((await request(port, "/nope.js")).status, 404);
  });
});
