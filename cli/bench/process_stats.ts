/**
 * CPU time and memory of processes, for the bench's report: the station's
 * (by pid, from Linux `/proc`) and the generator's own.
 *
 * @module
 */
import process from "node:process";

/** A process's CPU time and memory at one moment. */
export interface ProcessSample {
  /** User + system CPU time so far (ms; Linux counts in 10 ms ticks). */
  readonly cpuMs: number;
  /** Resident memory now (MiB). */
  readonly rssMiB: number;
  /** The most resident memory so far (MiB). */
  readonly peakRssMiB: number;
  /**
   * CPU time so far by thread name (ms): `main` for the process's first
   * thread; threads of one name summed. Empty when it cannot be read.
   */
  readonly threadsCpuMs: Readonly<Record<string, number>>;
}

/**
 * The process `pid` cannot be read (gone, or no `/proc` on this system).
 */
export class ProcessStatsError extends Error {
  /** The pid asked for. */
  readonly pid: number;

  /** `pid` could not be read because of `why`. */
  constructor(pid: number, why: string, options?: ErrorOptions) {
    super(`process ${pid}: ${why}`, options);
    this.name = "ProcessStatsError";
    this.pid = pid;
  }
}

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * Reads `/proc/<pid>/stat` and `/proc/<pid>/status` (Linux).
 *
 * @throws {ProcessStatsError} no such process, or no `/proc`
 * @example
 * ```ts ignore
 * const before = sampleProcess(station.pid);
 * ```
 */
export function sampleProcess(pid: number): ProcessSample {
  let stat: string;
  let status: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    status = Deno.readTextFileSync(`/proc/${pid}/status`);
  } catch (error) {
    throw new ProcessStatsError(
      pid,
      error instanceof Deno.errors.NotFound
        ? "no such process (or no /proc: --pid needs Linux)"
        : String(error),
      { cause: error },
    );
  }
  const kib = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    cpuMs: _statCpuMs(stat),
    rssMiB: kib("VmRSS") / 1024,
    peakRssMiB: kib("VmHWM") / 1024,
    threadsCpuMs: _threadsCpuMs(pid),
  };
}

/** User + system CPU (ms) of a `/proc/…/stat` line. */
function _statCpuMs(stat: string): number {
  // the fields after the command name, which may hold spaces and parens
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** CPU (ms) of each thread of `pid` by name; threads that end meanwhile are skipped. */
function _threadsCpuMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tasks: Iterable<Deno.DirEntry>;
  try {
    tasks = Deno.readDirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const task of tasks) {
    let stat: string;
    try {
      stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
    } catch {
      continue; // the thread ended
    }
    const name = task.name === String(pid)
      ? "main"
      : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    out[name] = (out[name] ?? 0) + _statCpuMs(stat);
  }
  return out;
}

/**
 * Samples several processes (a station and its helpers, e.g. the reference
 * station and its Redis) as one: CPU and memory summed.
 *
 * @throws {ProcessStatsError} one of them cannot be read
 * @example
 * ```ts ignore
 * sampleProcesses([stationPid, redisPid]).cpuMs;
 * ```
 */
export function sampleProcesses(pids: readonly number[]): ProcessSample {
  let cpuMs = 0;
  let rssMiB = 0;
  let peakRssMiB = 0;
  const threadsCpuMs: Record<string, number> = {};
  for (const pid of pids) {
    const sample = sampleProcess(pid);
    cpuMs += sample.cpuMs;
    rssMiB += sample.rssMiB;
    peakRssMiB += sample.peakRssMiB;
    for (const [name, ms] of Object.entries(sample.threadsCpuMs)) {
      threadsCpuMs[name] = (threadsCpuMs[name] ?? 0) + ms;
    }
  }
  return { cpuMs, rssMiB, peakRssMiB, threadsCpuMs };
}

/**
 * This process's CPU time so far (user + system, ms; every thread).
 *
 * @example
 * ```ts
 * const start = ownCpuMs();
 * ```
 */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
