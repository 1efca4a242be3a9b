import assert from "node:assert/strict";
import { dialStation } from "../../../station/transport/mod.ts";
import { RawClient, recorder, text, utf8, withListener } from "./_helpers.ts";

const INFO = () => ({
  station: "gsp-s001@x5Zh9ixt8ECr59XLye1y5WWfaX4fcoaaSC",
  version: "0.1.0",
});

/** Sends a raw request and returns the whole response (the station closes after it). */
async function request(
  port: number,
  head: string,
): Promise<{ status: number; headers: string; body: string }> {
  const raw = await RawClient.connect(port);
  await raw.write(utf8(head));
  const { bytes, eof } = await raw.readToEnd();
  raw.close();
  assert.ok(eof, "Connection: close");
  const response = text(bytes);
  const split = response.indexOf("\r\n\r\n");
  return {
    status: Number(response.slice(9, 12)),
    headers: response.slice(0, split),
    body: response.slice(split + 4),
  };
}

Deno.test("HTTP GET /status from a browser: 200 with an HTML status page", async () => {
  await withListener(
    { handler: recorder().handler, info: INFO },
    async (listener) => {
      const response = await fetch(`http://127.0.0.1:${listener.port}/status`, {
        headers: { accept: "text/html" },
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/html/);
      const html = await response.text();
      assert.match(html, /<h1>DIM station<\/h1>/);
      assert.ok(html.includes(INFO().station));
      assert.ok(html.includes("0.1.0"));
    },
  );
});

Deno.test("HTTP GET / with Accept: application/json: station ID, version, uptime, connections", async () => {
  await withListener(
    { handler: recorder().handler, info: INFO },
    async (listener) => {
      const mtp = await dialStation("127.0.0.1", listener.port);
      await mtp.send("{}"); // a binary framing is known once its first bytes arrive
      const ws = await dialStation("127.0.0.1", listener.port, {
        framing: "ws",
      });
      const response = await fetch(`http://127.0.0.1:${listener.port}/?x=1`, {
        headers: { accept: "application/json" },
      });
      assert.equal(response.status, 200);
      const status = await response.json();
      assert.equal(status.station, INFO().station);
      assert.equal(status.version, "0.1.0");
      assert.equal(typeof status.uptime, "number");
      assert.deepEqual(status.connections, {
        total: 2,
        mtp: 1,
        mars: 0,
        ws: 1,
        plain: 0,
      });
      mtp.close();
      ws.close();
      await Promise.all([mtp.done, ws.done]);
    },
  );
});

Deno.test("HTTP: other paths 404, other methods 405, HEAD has no body, bad requests 400/431", async () => {
  await withListener({ handler: recorder().handler }, async (listener) => {
    const port = listener.port;
    assert.equal(
      (await request(port, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n"))
        .status,
      404,
    );
    assert.equal(
      (await request(port, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n"))
        .status,
      405,
    );
    const head = await request(
      port,
      "HEAD / HTTP/1.1\r\nAccept: application/json\r\n\r\n",
    );
    assert.equal(head.status, 200);
    assert.match(head.headers, /Content-Length: \d+/);
    assert.equal(head.body, "");
    assert.equal((await request(port, "GET /\r\n\r\n")).status, 400);
    assert.equal(
      (await request(
        port,
        "GET / HTTP/1.1\r\nX: " + "a".repeat(17 * 1024) + "\r\n\r\n",
      )).status,
      431,
    );
    // none of these became a session
    assert.equal(listener.connections.size, 0);
  });
});
