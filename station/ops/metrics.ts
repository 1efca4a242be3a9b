/**
 * A metrics registry — counters, gauges and histograms with labels — and its
 * exposition in the Prometheus text format 0.0.4 (what `/metrics` of the
 * admin listener serves).
 *
 * Hot paths bind a labelled series once (`counter.labels({ framing: "mtp" })`)
 * and then only add to a number.
 *
 * @module
 */

/** The content type of {@linkcode MetricsRegistry.expose}'s text. */
export const PROMETHEUS_CONTENT_TYPE =
  "text/plain; version=0.0.4; charset=utf-8";

/**
 * A bad metric definition or use: a name that is not a Prometheus name, a
 * name registered twice, labels that do not match, a counter going down.
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * try { registry.counter("bad name", "…"); } catch (e) { e instanceof MetricsError; } // true
 * ```
 */
export class MetricsError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "MetricsError";
  }
}

/** Label values by label name. */
export type LabelValues = Readonly<Record<string, string | number>>;

/** The kinds of metric. */
export type MetricType = "counter" | "gauge" | "histogram";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A number as the text format writes it: `+Inf`, `-Inf`, `NaN`, else the
 * shortest decimal that reads back the same.
 *
 * @example
 * ```ts
 * formatSampleValue(Infinity); // "+Inf"
 * formatSampleValue(0.005); // "0.005"
 * ```
 */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Escapes a label value: backslash, double quote and line feed.
 *
 * @example
 * ```ts
 * escapeLabelValue('a "b"\n'); // 'a \\"b\\"\\n'
 * ```
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`);
}

/**
 * Escapes a HELP text: backslash and line feed.
 *
 * @example
 * ```ts
 * escapeHelp("line one\nline two"); // "line one\\nline two"
 * ```
 */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => c === "\n" ? "\\n" : "\\\\");
}

function labelText(names: readonly string[], values: readonly string[]) {
  if (names.length === 0) return "";
  return `{${
    names.map((name, i) => `${name}="${escapeLabelValue(values[i])}"`).join(
      ",",
    )
  }}`;
}

function checkAmount(name: string, amount: number): void {
  if (!Number.isFinite(amount)) {
    throw new MetricsError(`${name}: ${amount} is not a finite number`);
  }
}

/** What every metric has. */
abstract class Metric<Series> {
  /** The metric name. */
  readonly name: string;
  /** The HELP text. */
  readonly help: string;
  /** The label names, in exposition order. */
  readonly labelNames: readonly string[];
  /** The kind. */
  abstract readonly type: MetricType;
  readonly #series = new Map<string, { values: string[]; series: Series }>();
  #unlabelled: Series | undefined;

  constructor(name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  protected abstract create(): Series;

  protected abstract lines(
    labels: readonly string[],
    series: Series,
    out: string[],
  ): void;

  /** The series for these label values (made on first use). */
  protected series(values: LabelValues | undefined): Series {
    if (values === undefined || this.labelNames.length === 0) {
      if (values !== undefined && Object.keys(values).length > 0) {
        throw new MetricsError(`${this.name} has no labels`);
      }
      if (this.labelNames.length > 0) {
        throw new MetricsError(
          `${this.name} needs labels ${this.labelNames.join(", ")}`,
        );
      }
      return this.#unlabelled ??= this.create();
    }
    const keys = Object.keys(values);
    if (
      keys.length !== this.labelNames.length ||
      !keys.every((key) => this.labelNames.includes(key))
    ) {
      throw new MetricsError(
        `${this.name} takes labels {${this.labelNames.join(", ")}}, not {${
          keys.join(", ")
        }}`,
      );
    }
    const ordered = this.labelNames.map((name) => String(values[name]));
    const key = ordered.join("\u0000");
    let entry = this.#series.get(key);
    if (entry === undefined) {
      entry = { values: ordered, series: this.create() };
      this.#series.set(key, entry);
    }
    return entry.series;
  }

  /** Appends this metric's HELP, TYPE and sample lines. */
  write(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`);
    out.push(`# TYPE ${this.name} ${this.type}`);
    if (this.labelNames.length === 0) {
      this.lines([], this.#unlabelled ??= this.create(), out);
      return;
    }
    for (const { values, series } of this.#series.values()) {
      this.lines(values, series, out);
    }
  }

  protected sample(
    out: string[],
    suffix: string,
    names: readonly string[],
    values: readonly string[],
    value: number,
  ): void {
    out.push(
      `${this.name}${suffix}${labelText(names, values)} ${
        formatSampleValue(value)
      }`,
    );
  }
}

/** One counter series: only goes up. */
export interface CounterSeries {
  /** Adds `amount` (default 1; never negative). */
  inc(amount?: number): void;
  /** The current value. */
  readonly value: number;
}

class CounterCell implements CounterSeries {
  value = 0;
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  inc(amount = 1): void {
    checkAmount(this.#name, amount);
    if (amount < 0) {
      throw new MetricsError(`${this.#name}: a counter cannot go down`);
    }
    this.value += amount;
  }
}

/**
 * A counter (a `_total`): counts events.
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const opened = registry.counter("dim_connections_opened_total", "Connections opened.", ["framing"]);
 * opened.labels({ framing: "mtp" }).inc();
 * ```
 */
export class Counter extends Metric<CounterCell> {
  readonly type = "counter";

  protected create(): CounterCell {
    return new CounterCell(this.name);
  }

  /**
   * The series of these label values, to keep and add to.
   */
  labels(values: LabelValues): CounterSeries {
    return this.series(values);
  }

  /**
   * Adds `amount` to the unlabelled counter.
   */
  inc(amount = 1): void {
    this.series(undefined).inc(amount);
  }

  /**
   * The value of a series (the unlabelled one without `values`).
   */
  get(values?: LabelValues): number {
    return this.series(values).value;
  }

  protected lines(
    labels: readonly string[],
    cell: CounterCell,
    out: string[],
  ): void {
    this.sample(out, "", this.labelNames, labels, cell.value);
  }
}

/** One gauge series: goes up and down. */
export interface GaugeSeries {
  /** Sets the value. */
  set(value: number): void;
  /** Adds `amount` (default 1). */
  inc(amount?: number): void;
  /** Subtracts `amount` (default 1). */
  dec(amount?: number): void;
  /** The current value. */
  readonly value: number;
}

class GaugeCell implements GaugeSeries {
  value = 0;
  readonly #name: string;
  constructor(name: string) {
    this.#name = name;
  }
  set(value: number): void {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new MetricsError(`${this.#name}: ${value} is not a number`);
    }
    this.value = value;
  }
  inc(amount = 1): void {
    checkAmount(this.#name, amount);
    this.value += amount;
  }
  dec(amount = 1): void {
    checkAmount(this.#name, amount);
    this.value -= amount;
  }
}

/**
 * A gauge: a value now (open connections, queue depth).
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const open = registry.gauge("dim_connections_open", "Open connections.", ["framing"]);
 * open.labels({ framing: "ws" }).inc();
 * ```
 */
export class Gauge extends Metric<GaugeCell> {
  readonly type = "gauge";

  protected create(): GaugeCell {
    return new GaugeCell(this.name);
  }

  /**
   * The series of these label values.
   */
  labels(values: LabelValues): GaugeSeries {
    return this.series(values);
  }

  /**
   * Sets the unlabelled gauge.
   */
  set(value: number): void {
    this.series(undefined).set(value);
  }

  /**
   * Adds to the unlabelled gauge.
   */
  inc(amount = 1): void {
    this.series(undefined).inc(amount);
  }

  /**
   * Subtracts from the unlabelled gauge.
   */
  dec(amount = 1): void {
    this.series(undefined).dec(amount);
  }

  /**
   * The value of a series.
   */
  get(values?: LabelValues): number {
    return this.series(values).value;
  }

  protected lines(
    labels: readonly string[],
    cell: GaugeCell,
    out: string[],
  ): void {
    this.sample(out, "", this.labelNames, labels, cell.value);
  }
}

/** One histogram series. */
export interface HistogramSeries {
  /** Counts one observation. */
  observe(value: number): void;
  /** Observations so far. */
  readonly count: number;
  /** Their sum. */
  readonly sum: number;
}

class HistogramCell implements HistogramSeries {
  count = 0;
  sum = 0;
  /** Per bucket (not cumulative); the last is +Inf. */
  readonly counts: number[];
  readonly #bounds: readonly number[];
  readonly #name: string;
  constructor(name: string, bounds: readonly number[]) {
    this.#name = name;
    this.#bounds = bounds;
    this.counts = new Array(bounds.length + 1).fill(0);
  }
  observe(value: number): void {
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new MetricsError(`${this.#name}: ${value} is not a number`);
    }
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.count++;
    this.sum += value;
  }
}

/**
 * A histogram with fixed buckets (upper bounds, `le`); `+Inf` is added.
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const latency = registry.histogram("dim_store_latency_seconds", "Store call latency.", {
 *   buckets: [0.001, 0.01, 0.1, 1],
 *   labelNames: ["op"],
 * });
 * latency.labels({ op: "store_message" }).observe(0.0042);
 * ```
 */
export class Histogram extends Metric<HistogramCell> {
  readonly type = "histogram";
  /** The upper bounds, ascending, without `+Inf`. */
  readonly buckets: readonly number[];

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    super(name, help, labelNames);
    if (labelNames.includes("le")) {
      throw new MetricsError(`${name}: "le" is the bucket label`);
    }
    const bounds = buckets.filter((b) => b !== Infinity);
    if (bounds.length === 0) {
      throw new MetricsError(`${name}: a histogram needs buckets`);
    }
    for (let i = 0; i < bounds.length; i++) {
      if (
        !Number.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])
      ) {
        throw new MetricsError(
          `${name}: buckets must be finite and strictly ascending`,
        );
      }
    }
    this.buckets = bounds;
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.name, this.buckets);
  }

  /**
   * The series of these label values.
   */
  labels(values: LabelValues): HistogramSeries {
    return this.series(values);
  }

  /**
   * Counts one observation in the unlabelled histogram.
   */
  observe(value: number): void {
    this.series(undefined).observe(value);
  }

  /**
   * The count and sum of a series.
   */
  get(values?: LabelValues): { count: number; sum: number } {
    const cell = this.series(values);
    return { count: cell.count, sum: cell.sum };
  }

  protected lines(
    labels: readonly string[],
    cell: HistogramCell,
    out: string[],
  ): void {
    const names = [...this.labelNames, "le"];
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += cell.counts[i];
      const le = i < this.buckets.length
        ? formatSampleValue(this.buckets[i])
        : "+Inf";
      this.sample(out, "_bucket", names, [...labels, le], cumulative);
    }
    this.sample(out, "_sum", this.labelNames, labels, cell.sum);
    this.sample(out, "_count", this.labelNames, labels, cell.count);
  }
}

/** Every metric of a registry, in registration order. */
export type AnyMetric = Counter | Gauge | Histogram;

/**
 * A set of metrics and what runs before each scrape.
 *
 * @example
 * ```ts
 * const registry = new MetricsRegistry();
 * const routed = registry.counter("dim_messages_routed_total", "Messages routed.", ["route"]);
 * routed.labels({ route: "local" }).inc();
 * registry.expose(); // "# HELP dim_messages_routed_total Messages routed.\n# TYPE …"
 * ```
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #taken = new Set<string>();
  readonly #collectors = new Set<() => void>();

  /**
   * Registers a counter.
   *
   * @throws {MetricsError} a bad or taken name, bad label names
   */
  counter(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
  ): Counter {
    return this.#add(new Counter(name, help, checkLabels(name, labelNames)));
  }

  /**
   * Registers a gauge.
   *
   * @throws {MetricsError} a bad or taken name, bad label names
   */
  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.#add(new Gauge(name, help, checkLabels(name, labelNames)));
  }

  /**
   * Registers a histogram.
   *
   * @throws {MetricsError} a bad or taken name, bad label names or buckets
   */
  histogram(
    name: string,
    help: string,
    options: {
      readonly buckets: readonly number[];
      readonly labelNames?: readonly string[];
    },
  ): Histogram {
    return this.#add(
      new Histogram(
        name,
        help,
        checkLabels(name, options.labelNames ?? []),
        options.buckets,
      ),
    );
  }

  /**
   * Runs `collect` before every exposition (to set gauges read from
   * elsewhere: queue lengths, memory); returns a function that removes it.
   */
  onCollect(collect: () => void): () => void {
    this.#collectors.add(collect);
    return () => this.#collectors.delete(collect);
  }

  /**
   * The metric of this name.
   */
  get(name: string): AnyMetric | undefined {
    return this.#metrics.get(name);
  }

  /**
   * Every metric in the Prometheus text format 0.0.4 (after running the
   * collectors; one that throws is skipped).
   */
  expose(): string {
    for (const collect of this.#collectors) {
      try {
        collect();
      } catch {
        // a failing collector leaves its gauges as they were
      }
    }
    const out: string[] = [];
    for (const metric of this.#metrics.values()) metric.write(out);
    return out.join("\n") + "\n";
  }

  #add<M extends AnyMetric>(metric: M): M {
    const name = metric.name;
    if (!METRIC_NAME.test(name)) {
      throw new MetricsError(`"${name}" is not a metric name`);
    }
    const names = metric.type === "histogram"
      ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
      : [name];
    for (const taken of names) {
      if (this.#taken.has(taken)) {
        throw new MetricsError(`the metric name ${taken} is taken`);
      }
    }
    for (const taken of names) this.#taken.add(taken);
    this.#metrics.set(name, metric);
    return metric;
  }
}

function checkLabels(name: string, labelNames: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith("__")) {
      throw new MetricsError(`${name}: "${label}" is not a label name`);
    }
    if (seen.has(label)) {
      throw new MetricsError(`${name}: label "${label}" twice`);
    }
    seen.add(label);
  }
  return [...labelNames];
}
