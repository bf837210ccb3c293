// The behaviour-equivalence driver: runs a Worker program before and after `kvlint --fix`
// against fresh in-memory KV namespaces (kv.mjs) and compares what can be observed: the
// result or thrown error, console output, the writes in order, the reads between writes as a
// multiset (a merged run of reads may reorder them) and the final store.
//
// A program is a TypeScript or JavaScript module exporting `main(env, input, ctx)`, where
// `ctx` is a fake ExecutionContext whose `waitUntil` promises are awaited (settled) before
// what the program did is compared, as the runtime lets them run after the response; it may export
// `scenarios`, a list of `{ seed: { BINDING: { key: value } }, input }` (else the request
// gives them). Each scenario runs in both programs with its own fresh namespaces.
//
// Protocol: one JSON request per line on stdin, one JSON answer per line on stdout.
//   request: { before, after, lang: "ts" | "js", scenarios?, keyMap?, defaultTtl?, bindings? }
//   answer:  { equal: true, runs } or { equal: false, difference, before, after } or { error }

import { createInterface } from "node:readline";
import { transformSync } from "esbuild";
import { FakeKV } from "./kv.mjs";

const TIMEOUT_MS = 2000;
const DEFAULT_BINDINGS = ["SESSIONS", "CACHE"];

// A program's stray rejections (a second read of a failed Promise.all) must not end the driver.
process.on("unhandledRejection", () => {});

/** A deterministic description of any value; a value met again is shown as a reference. */
export function describe(value, seen = new Map()) {
  switch (typeof value) {
    case "undefined":
      return "undefined";
    case "string":
      return JSON.stringify(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
      return String(value);
    case "symbol":
      return value.toString();
    case "function":
      return `[function ${value.name}]`;
  }
  if (value === null) return "null";
  if (seen.has(value)) return `[ref ${seen.get(value)}]`;
  seen.set(value, seen.size);
  const d = (v) => describe(v, seen);
  if (Array.isArray(value)) return `[${value.map(d).join(", ")}]`;
  if (value instanceof Map) return `Map {${[...value].map(([k, v]) => `${d(k)} => ${d(v)}`).join(", ")}}`;
  if (value instanceof Set) return `Set {${[...value].map(d).join(", ")}}`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${Buffer.from(value).toString("hex")})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")})`;
  if (value instanceof Promise) return "[Promise]";
  if (value instanceof ReadableStream) return "[ReadableStream]";
  if (value instanceof Date) return `Date(${value.getTime()})`;
  const name = Object.getPrototypeOf(value)?.constructor?.name ?? "null-prototype";
  const body = Object.keys(value).map((k) => `${JSON.stringify(k)}: ${d(value[k])}`).join(", ");
  return name === "Object" ? `{${body}}` : `${name} {${body}}`;
}

function compile(code, lang) {
  const js = transformSync(code, { loader: lang, format: "cjs", target: "es2022" }).code;
  return new Function("exports", "module", "console", "require", js);
}

// Seeds are written in the names the program before the fix uses; a configured rename moves
// them to the new names for both runs (the data is assumed migrated).
function seedsOf(scenario, bindings, keyMap) {
  const seed = scenario.seed ?? {};
  return [...new Set([...bindings, ...Object.keys(seed)])].map((name) => [
    name,
    Object.fromEntries(Object.entries(seed[name] ?? {}).map(([k, v]) => [keyMap[k] ?? k, v])),
  ]);
}

async function runOnce(factory, scenario, { keyMap, seedMap, defaultTtl, bindings }) {
  const log = [];
  const output = [];
  const env = {};
  const namespaces = [];
  for (const [name, seed] of seedsOf(scenario, bindings, seedMap)) {
    const kv = new FakeKV(name, seed, { log, keyMap, defaultTtl });
    namespaces.push(kv);
    env[name] = kv;
  }
  const waiting = [];
  const ctx = {
    waitUntil(promise) {
      waiting.push(Promise.resolve(promise));
    },
    passThroughOnException() {},
  };
  const capture = (level) => (...args) => output.push(`${level}: ${args.map((a) => (typeof a === "string" ? a : describe(a))).join(" ")}`);
  const console = { log: capture("log"), info: capture("info"), warn: capture("warn"), error: capture("error"), debug: capture("debug") };
  let outcome;
  try {
    const module = { exports: {} };
    factory(module.exports, module, console, () => {
      throw new Error("require is not available to programs");
    });
    const main = module.exports.main ?? module.exports.default;
    if (typeof main !== "function") throw new Error("the program exports no main(env, input)");
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([main(env, scenario.input, ctx), timeout]);
      outcome = `returned ${describe(result)}`;
    } finally {
      clearTimeout(timer);
    }
  } catch (e) {
    outcome = `threw ${e instanceof Error ? `${e.name}: ${e.message}` : describe(e)}`;
  }
  // The work the program left running: handed to waitUntil, or dropped (which the fake lets
  // finish, as the runtime may).
  await Promise.allSettled(waiting);
  await new Promise((resolve) => setTimeout(resolve, 0));
  // Reads between two writes form a multiset: a merged run may issue them in another order.
  const segments = [{ reads: [], write: null }];
  for (const [kind, what] of log) {
    if (kind === "read") {
      segments[segments.length - 1].reads.push(what);
    } else {
      segments[segments.length - 1].write = what;
      segments.push({ reads: [], write: null });
    }
  }
  segments.forEach((s) => s.reads.sort());
  return {
    outcome,
    console: output,
    operations: segments,
    store: namespaces.flatMap((kv) => kv.snapshot()),
    // Something failed (a rejected KV operation, or the program threw): a merged run of
    // reads has then started reads that the original never reached. Reads change nothing,
    // so there the reads after the fix may be more than before, never fewer.
    troubled: outcome.startsWith("threw") || namespaces.some((kv) => kv.failures > 0),
  };
}

function includes(big, small) {
  const counts = new Map();
  for (const r of big) counts.set(r, (counts.get(r) ?? 0) + 1);
  return small.every((r) => {
    const n = counts.get(r) ?? 0;
    counts.set(r, n - 1);
    return n > 0;
  });
}

function sameOperations(before, after, lenient) {
  const b = before.operations;
  const a = after.operations;
  if (b.length !== a.length) return false;
  return b.every((segment, i) => {
    const other = a[i];
    if (segment.write !== other.write) return false;
    if (lenient) return includes(other.reads, segment.reads);
    return JSON.stringify(segment.reads) === JSON.stringify(other.reads);
  });
}

function firstDifference(a, b) {
  for (const field of ["outcome", "console", "operations", "store"]) {
    if (field === "operations") {
      if (!sameOperations(a, b, a.troubled || b.troubled)) return field;
      continue;
    }
    const x = JSON.stringify(a[field], null, 1);
    const y = JSON.stringify(b[field], null, 1);
    if (x !== y) return field;
  }
  return null;
}

export async function compare(request) {
  const lang = request.lang ?? "ts";
  const options = {
    keyMap: request.keyMap ?? {},
    seedMap: request.keyMap ?? {},
    defaultTtl: request.defaultTtl ?? undefined,
    bindings: request.bindings ?? DEFAULT_BINDINGS,
  };
  let before;
  let after;
  try {
    before = compile(request.before, lang);
  } catch (e) {
    return { error: `the program before the fix does not compile: ${e.message}` };
  }
  try {
    after = compile(request.after, lang);
  } catch (e) {
    return { error: `the program after the fix does not compile: ${e.message}` };
  }
  let scenarios = request.scenarios;
  if (!scenarios) {
    const module = { exports: {} };
    try {
      before(module.exports, module, console, () => {});
    } catch (e) {
      return { error: `the program before the fix throws when loaded: ${e.message}` };
    }
    scenarios = module.exports.scenarios ?? [{}];
  }
  const runs = [];
  for (const [i, scenario] of scenarios.entries()) {
    // The program before a rename runs against data already under the new names.
    const b = await runOnce(before, scenario, options);
    const a = await runOnce(after, scenario, { ...options, keyMap: {} });
    const field = firstDifference(b, a);
    if (field) {
      return { equal: false, difference: `scenario ${i}: ${field} differs`, scenario, before: b, after: a };
    }
    runs.push(b.outcome);
  }
  return { equal: true, runs };
}

const serve = process.argv.includes("--serve");
if (serve) {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
      answer = await compare(JSON.parse(line));
    } catch (e) {
      answer = { error: `driver: ${e.stack ?? e}` };
    }
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}
