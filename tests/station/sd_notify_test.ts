import assert from "node:assert/strict";
import { join } from "node:path";
import {
  notificationText,
  notifySocket,
  sdNotify,
  SdNotifyError,
  SystemdNotifier,
  watchdogInterval,
} from "../../station/ops/sd_notify.ts";

/** A unix datagram socket standing in for systemd's notify socket. */
function systemdSocket(path: string) {
  const socket = Deno.listenDatagram({ path, transport: "unixpacket" });
  const decoder = new TextDecoder();
  return {
    async next(): Promise<string> {
      const [data] = await socket.receive();
      return decoder.decode(data);
    },
    close: () => socket.close(),
  };
}

Deno.test("sd_notify: READY, STATUS, RELOADING, STOPPING, WATCHDOG reach a real socket, in order", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-notify-test-" });
  const path = join(dir, "notify");
  const systemd = systemdSocket(path);
  try {
    const errors: Error[] = [];
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: path },
      onError: (e) => errors.push(e),
    });
    assert.equal(notifier.enabled, true);
    assert.equal(await notifier.ready("listening on 127.0.0.1:9394"), true);
    assert.equal(
      await systemd.next(),
      "READY=1\nSTATUS=listening on 127.0.0.1:9394\n",
    );
    await notifier.reloading();
    assert.equal(await systemd.next(), "RELOADING=1\n");
    await notifier.ready();
    assert.equal(await systemd.next(), "READY=1\n");
    await notifier.status("42 sessions");
    assert.equal(await systemd.next(), "STATUS=42 sessions\n");
    await notifier.watchdog();
    assert.equal(await systemd.next(), "WATCHDOG=1\n");
    await notifier.stopping("closing sessions");
    assert.equal(await systemd.next(), "STOPPING=1\nSTATUS=closing sessions\n");
    assert.deepEqual(errors, []);
    // our side leaves nothing on disk
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["notify"]);
  } finally {
    systemd.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sd_notify: an abstract-namespace NOTIFY_SOCKET (@name) works", async () => {
  const name = `dim-test-${crypto.randomUUID()}`;
  const systemd = systemdSocket(`\0${name}`);
  try {
    assert.equal(
      await sdNotify({ READY: 1 }, { NOTIFY_SOCKET: `@${name}` }),
      true,
    );
    assert.equal(await systemd.next(), "READY=1\n");
  } finally {
    systemd.close();
  }
});

Deno.test("sd_notify: without NOTIFY_SOCKET nothing is sent and nothing fails", async () => {
  assert.equal(await sdNotify({ READY: 1 }, {}), false);
  assert.equal(await sdNotify({ READY: 1 }, { NOTIFY_SOCKET: "" }), false);
  const notifier = new SystemdNotifier({
    env: {},
    onError: () => assert.fail("no error expected"),
  });
  assert.equal(notifier.enabled, false);
  assert.equal(await notifier.ready("x"), false);
  assert.equal(await notifier.stopping(), false);
});

Deno.test("sd_notify: a socket nobody listens on gives SdNotifyError (the notifier reports it)", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "dim-notify-test-" });
  const missing = join(dir, "missing");
  try {
    await assert.rejects(
      sdNotify({ READY: 1 }, { NOTIFY_SOCKET: missing }),
      (e: unknown) => {
        assert.ok(e instanceof SdNotifyError);
        assert.equal(e.name, "SdNotifyError");
        assert.ok(
          e.message.startsWith(`cannot notify systemd at ${missing}: `),
        );
        return true;
      },
    );
    const errors: SdNotifyError[] = [];
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: missing },
      onError: (e) => errors.push(e),
    });
    assert.equal(await notifier.ready(), false);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof SdNotifyError);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("sd_notify: notification text and its bad inputs", () => {
  assert.equal(
    notificationText({ READY: 1, STATUS: "a = b", MAINPID: 7 }),
    "READY=1\nSTATUS=a = b\nMAINPID=7\n",
  );
  const bad: Record<string, string | number>[] = [
    {},
    { ready: 1 },
    { "READY=1\nX": 1 },
    { STATUS: "two\nlines" },
    { "": 1 },
  ];
  for (const state of bad) {
    assert.throws(
      () => notificationText(state),
      SdNotifyError,
      JSON.stringify(state),
    );
  }
  assert.equal(
    notifySocket({ NOTIFY_SOCKET: "/run/systemd/notify" }),
    "/run/systemd/notify",
  );
  assert.equal(notifySocket({ NOTIFY_SOCKET: "@x" }), "\0x");
  assert.equal(notifySocket({}), undefined);
});

Deno.test("sd_notify: the watchdog interval is half of WATCHDOG_USEC, for this process only", () => {
  assert.equal(watchdogInterval({ WATCHDOG_USEC: "30000000" }), 15000);
  assert.equal(
    watchdogInterval({
      WATCHDOG_USEC: "2000000",
      WATCHDOG_PID: String(Deno.pid),
    }),
    1000,
  );
  assert.equal(
    watchdogInterval({ WATCHDOG_USEC: "2000000", WATCHDOG_PID: "1" }),
    Deno.pid === 1 ? 1000 : undefined,
  );
  assert.equal(watchdogInterval({}), undefined);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: "x" }), undefined);
  assert.equal(watchdogInterval({ WATCHDOG_USEC: "0" }), undefined);
});

Deno.test("sd_notify: a runtime without the net unstable feature gets a clear SdNotifyError", async () => {
  const module =
    new URL("../../station/ops/sd_notify.ts", import.meta.url).href;
  const script = `
    import { sdNotify } from ${JSON.stringify(module)};
    try {
      await sdNotify({ READY: 1 }, { NOTIFY_SOCKET: "/nonexistent/notify" });
      console.log("sent");
    } catch (e) {
      console.log(e.name + ": " + e.message);
    }
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.match(
    new TextDecoder().decode(output.stdout),
    /^SdNotifyError: AF_UNIX datagrams need Deno's net unstable feature/,
  );
});
