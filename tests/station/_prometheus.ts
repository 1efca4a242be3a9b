/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written
 * for the tests from the format's description (not from our writer): every
 * line is a HELP, a TYPE, another comment, or a sample of a family declared
 * by a TYPE line before it.
 *
 * @module
 */

/** One sample line. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One metric family: its HELP, TYPE and samples. */
export interface Family {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    throw new Error(`line ${line}: "${text}" is not a sample value`);
  }
  return Number(text);
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c);
}

function familyOf(name: string, families: Map<string, Family>): Family {
  for (const suffix of ["_bucket", "_sum", "_count", ""]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, name.length - suffix.length);
    const family = families.get(base);
    if (family === undefined) continue;
    if (
      suffix !== "" && family.type !== "histogram" && family.type !== "summary"
    ) {
      continue;
    }
    return family;
  }
  throw new Error(`sample ${name} before any TYPE line of its family`);
}

/** Parses exposition text into families by name; throws on anything off. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith("\n")) throw new Error("the text must end with a newline");
  const families = new Map<string, Family>();
  const lines = text.slice(0, -1).split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.startsWith("#")) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(raw);
      if (m === null) return; // a plain comment
      let family = families.get(m[2]);
      if (family === undefined) {
        family = { name: m[2], samples: [] };
        families.set(m[2], family);
      }
      if (m[1] === "HELP") {
        if (family.help !== undefined) {
          throw new Error(`line ${line}: HELP again`);
        }
        family.help = unescapeHelp(m[3]);
      } else {
        if (family.type !== undefined) {
          throw new Error(`line ${line}: TYPE again`);
        }
        if (family.samples.length > 0) {
          throw new Error(`line ${line}: TYPE after samples`);
        }
        if (
          !["counter", "gauge", "histogram", "summary", "untyped"].includes(
            m[3],
          )
        ) {
          throw new Error(`line ${line}: unknown type ${m[3]}`);
        }
        family.type = m[3];
      }
      return;
    }
    if (raw.trim() === "") throw new Error(`line ${line}: empty line`);
    const name = NAME.exec(raw)?.[0];
    if (name === undefined) throw new Error(`line ${line}: no metric name`);
    let rest = raw.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const label = LABEL.exec(rest)?.[0];
        if (
          label === undefined || rest[label.length] !== "=" ||
          rest[label.length + 1] !== '"'
        ) {
          throw new Error(`line ${line}: bad label at "${rest}"`);
        }
        rest = rest.slice(label.length + 2);
        let value = "";
        for (;;) {
          const c = rest[0];
          if (c === undefined) {
            throw new Error(`line ${line}: unterminated label value`);
          }
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === "\n") {
            throw new Error(`line ${line}: raw newline in a label value`);
          }
          if (c === "\\") {
            const e = rest[0];
            rest = rest.slice(1);
            if (e === "n") value += "\n";
            else if (e === "\\" || e === '"') value += e;
            else throw new Error(`line ${line}: bad escape \\${e}`);
          } else value += c;
        }
        if (label in labels) {
          throw new Error(`line ${line}: label ${label} twice`);
        }
        labels[label] = value;
        if (rest.startsWith(",")) rest = rest.slice(1);
        else if (!rest.startsWith("}")) {
          throw new Error(`line ${line}: expected , or }`);
        }
      }
      rest = rest.slice(1);
    }
    const parts = rest.split(" ");
    if (parts[0] !== "" || parts.length < 2 || parts.length > 3) {
      throw new Error(`line ${line}: expected " value [timestamp]"`);
    }
    const value = parseValue(parts[1], line);
    familyOf(name, families).samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    const { le: _, ...rest } = sample.labels;
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    const sum = samples.find((s) => s.name === `${family.name}_sum`);
    if (count === undefined || sum === undefined || buckets.length === 0) {
      throw new Error(`${family.name}${key}: needs buckets, _sum and _count`);
    }
    let lastBound = -Infinity;
    let lastCount = 0;
    for (const bucket of buckets) {
      const bound = parseValue(bucket.labels.le, 0);
      if (!(bound > lastBound)) {
        throw new Error(`${family.name}: le not ascending`);
      }
      if (bucket.value < lastCount) {
        throw new Error(`${family.name}: buckets not cumulative`);
      }
      lastBound = bound;
      lastCount = bucket.value;
    }
    if (lastBound !== Infinity) {
      throw new Error(`${family.name}: no +Inf bucket`);
    }
    if (lastCount !== count.value) {
      throw new Error(`${family.name}: +Inf bucket != _count`);
    }
  }
}

/** The value of the sample with this name and exactly these labels. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      const keys = Object.keys(sample.labels);
      if (
        keys.length === Object.keys(labels).length &&
        keys.every((k) => sample.labels[k] === labels[k])
      ) {
        return sample.value;
      }
    }
  }
  return undefined;
}
