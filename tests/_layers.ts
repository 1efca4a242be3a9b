/**
 * The import graph of the project's own files and the layer rule over it,
 * for `tests/layers_test.ts`.
 *
 * @module
 */

/** File (relative to the root, `/`-separated) → the files it imports. */
export type ImportGraph = Map<string, string[]>;

/** The layers from the bottom; folders of one rank are siblings. */
const LAYER_RANKS: ReadonlyMap<string, number> = new Map([
  ["dimp", 0],
  ["store", 1],
  // the chat page: browser code on dimp/ only; the station serves its bundle
  ["web", 1],
  ["client", 2],
  ["station", 3],
  ["bots", 3],
  ["cli", 4],
]);

/** Folders whose files are read; tests are free to import anything. */
const SOURCE_FOLDERS = [...LAYER_RANKS.keys()];

const IMPORT_PATTERN =
  /(?:^|[\s;])(?:import|export)\s[^;]*?from\s*["'](\.{1,2}\/[^"']+)["']|import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^\s*import\s*["'](\.{1,2}\/[^"']+)["']/gm;

/** Drops block and line comments (doc examples import from anywhere). */
function _stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /(^|[^:"'`])\/\/.*$/gm,
    "$1",
  );
}

function _normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

async function* _walk(root: URL, folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(new URL(folder, root))) {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory) yield* _walk(root, path);
    else if (entry.isFile && /\.tsx?$/.test(entry.name)) yield path;
  }
}

/**
 * Reads the relative imports of `mod.ts` and of every file in the layer
 * folders under `root`.
 *
 * @example
 * ```ts
 * import { readImportGraph } from "./_layers.ts";
 * const graph = await readImportGraph(new URL("../", import.meta.url));
 * graph.get("mod.ts"); // ["dimp/mod.ts"]
 * ```
 */
export async function readImportGraph(root: URL): Promise<ImportGraph> {
  const files = ["mod.ts"];
  for (const folder of SOURCE_FOLDERS) {
    for await (const file of _walk(root, folder)) files.push(file);
  }
  const graph: ImportGraph = new Map();
  for (const file of files.sort()) {
    const source = _stripComments(
      await Deno.readTextFile(new URL(file, root)),
    );
    const dir = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : "";
    const targets = new Set<string>();
    for (const match of source.matchAll(IMPORT_PATTERN)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      targets.add(_normalize(`${dir}/${specifier}`));
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

function _layerOf(file: string): string {
  return file.includes("/") ? file.slice(0, file.indexOf("/")) : file;
}

function _allowed(from: string, to: string): boolean {
  const fromLayer = _layerOf(from);
  const toLayer = _layerOf(to);
  if (from === "mod.ts") return toLayer === "dimp";
  if (fromLayer === toLayer) return true;
  if (to === "deno.json") return fromLayer !== "dimp";
  const fromRank = LAYER_RANKS.get(fromLayer);
  const toRank = LAYER_RANKS.get(toLayer);
  if (fromRank === undefined || toRank === undefined) return false;
  return toRank < fromRank;
}

/**
 * Every import against the layer order, as "`a` imports `b`", sorted.
 *
 * @example
 * ```ts
 * import { forbiddenImports } from "./_layers.ts";
 * forbiddenImports(new Map([["store/a.ts", ["client/b.ts"]]]));
 * // ["store/a.ts imports client/b.ts"]
 * ```
 */
export function forbiddenImports(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      if (!_allowed(from, to)) found.push(`${from} imports ${to}`);
    }
  }
  return found.sort();
}

/** Strongly connected components (Tarjan), each as a set of files. */
function _components(graph: ImportGraph): Set<string>[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: Set<string>[] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = new Set<string>();
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.add(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

/** A shortest path from `start` back to itself inside `component`. */
function _cycleThrough(
  graph: ImportGraph,
  component: Set<string>,
  start: string,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) {
          path.splice(1, 0, at);
        }
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * One cycle per group of files that import each other, as
 * "a → b → a" from the group's first file, sorted.
 *
 * @example
 * ```ts
 * import { findImportCycles } from "./_layers.ts";
 * findImportCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", ["a.ts"]]]));
 * // ["a.ts → b.ts → a.ts"]
 * ```
 */
export function findImportCycles(graph: ImportGraph): string[] {
  const cycles: string[] = [];
  for (const component of _components(graph)) {
    const [first] = [...component].sort();
    const selfLoop = (graph.get(first) ?? []).includes(first);
    if (component.size < 2 && !selfLoop) continue;
    cycles.push(_cycleThrough(graph, component, first).join(" → "));
  }
  return cycles.sort();
}
