/**
 * Helpers of the load tools: a server in a child process, its CPU time and
 * memory (Linux /proc), and report lines on stdout.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Writes a report line to stdout. */
export function print(line: string): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

/**
 * Runs `script` with `args` in a child Deno process and resolves once it
 * printed "ready".
 */
export async function startServer(
  script: string,
  args: string[],
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  for (let seen = ""; !seen.includes("ready");) {
    seen += (await reader.read()).value ?? "";
  }
  reader.cancel();
  return child;
}

/** Stops a child started by {@linkcode startServer}. */
export async function stopServer(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await child.status;
}

/** CPU time (user + system) of a process so far, in ms (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]
    .split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}
