// The runner of a `kvlint migrate-data` script (PLAN is defined above this line). It reads
// and writes KV only through wrangler: `kv key list`, `kv key get`, `kv key put --path`,
// `kv bulk get`, `kv bulk put`, `kv bulk delete`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";

const argv = process.argv.slice(1);
const split = argv.indexOf("--");
const own = split < 0 ? argv : argv.slice(0, split);
const passed = split < 0 ? [] : argv.slice(split + 1);
const apply = own.includes("--apply");
const deleteOld = own.includes("--delete-old");
const deleteSessions = own.includes("--delete-sessions");
for (const a of own) {
  if (a !== "--apply" && a !== "--delete-sessions" && a !== "--delete-old") {
    console.error(`unknown option ${a} (wrangler's options go after --)`);
    process.exit(2);
  }
}
if (deleteSessions && !apply) {
  console.error("--delete-sessions deletes only with --apply; listing what it would delete");
}
const wranglerCommand = (process.env.WRANGLER ?? "npx wrangler").split(/\s+/).filter(Boolean);
const pause = Number(process.env.KVLINT_LIST_PAUSE ?? "1");
// KV's API gets at most 100 keys per bulk read; the local store takes more at once.
const bulkChunk = passed.includes("--remote") ? 100 : 5000;
// What one `kv key list` returns at most from a local store (remote lists follow cursors).
const LOCAL_LIST_CAP = 1000;
const work = mkdtempSync(join(tmpdir(), "kvlint-migrate-"));
// What kvlint copied to each target (a hash of its value, metadata and expiration), kept beside
// the script: a later --apply updates a target that still holds kvlint's copy, and keeps one
// the new code has written since.
const statePath = process.env.KVLINT_STATE;
const state = statePath && existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : {};
function saveState() {
  if (statePath && apply) writeFileSync(statePath, JSON.stringify(state, null, 1) + "\n");
}
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

let calls = 0;
function wrangler(dir, args) {
  calls += 1;
  const [cmd, ...pre] = wranglerCommand;
  const run = spawnSync(cmd, [...pre, "kv", ...args, ...passed], {
    cwd: dir,
    maxBuffer: 1 << 30,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: process.env.CI ?? "true" },
  });
  if (run.error) throw new Error(`cannot run ${wranglerCommand.join(" ")}: ${run.error.message}`);
  if (run.status !== 0) {
    throw new Error(`wrangler kv ${args.slice(0, 2).join(" ")} failed (exit ${run.status}):\n${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}

/** The JSON value wrangler printed (after its banner lines, before "Success!"). */
function printedJson(buffer, open, close) {
  const text = buffer.toString("utf8");
  const start = text.indexOf(open);
  const end = text.lastIndexOf(close);
  if (start < 0 || end < start) throw new Error(`wrangler printed no JSON:\n${text}`);
  return JSON.parse(text.slice(start, end + 1));
}

function file(name, content) {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

function list(dir, binding, prefix) {
  const keys = printedJson(wrangler(dir, ["key", "list", "--binding", binding, "--prefix", prefix]), "[", "]");
  return keys;
}

/** The longest common prefix of sorted names. */
function commonPrefix(names) {
  const a = names[0];
  const b = names[names.length - 1];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(0, i);
}

/**
 * The listed entries (metadata, expiration) of the given keys, those that exist: listed by their
 * common prefix, and where a local store's list of 1,000 does not reach them all, by the
 * common prefixes of halves of them.
 */
function listEntries(dir, binding, names) {
  const out = new Map();
  const wanted = [...new Set(names)].sort();
  const walk = (group) => {
    if (group.length === 0) return;
    const listed = list(dir, binding, commonPrefix(group));
    const byName = new Map(listed.map((k) => [k.name, k]));
    const missing = [];
    for (const n of group) {
      if (byName.has(n)) out.set(n, byName.get(n));
      else missing.push(n);
    }
    // Absent, unless the list stopped short of them.
    if (listed.length < LOCAL_LIST_CAP || missing.length === 0) return;
    if (missing.length === 1) {
      const only = list(dir, binding, missing[0]).find((k) => k.name === missing[0]);
      if (only) out.set(missing[0], only);
      return;
    }
    const half = Math.ceil(missing.length / 2);
    walk(missing.slice(0, half));
    walk(missing.slice(half));
  };
  walk(wanted);
  return out;
}

/** Values by key (null when absent), as text. */
function bulkGet(dir, binding, names) {
  const out = new Map();
  for (let i = 0; i < names.length; i += bulkChunk) {
    const chunk = names.slice(i, i + bulkChunk);
    const got = printedJson(wrangler(dir, ["bulk", "get", file("get.json", JSON.stringify(chunk)), "--binding", binding]), "{", "}");
    for (const name of chunk) out.set(name, got[name]?.value ?? null);
  }
  return out;
}

/** A value's bytes, read one key at a time (binary-safe, unlike a bulk read's text). */
function rawGet(dir, binding, name) {
  return wrangler(dir, ["key", "get", name, "--binding", binding]);
}

function rawPut(dir, binding, name, bytes, entry) {
  const args = ["key", "put", name, "--binding", binding, "--path", file("value.bin", bytes)];
  if (entry.metadata !== undefined && entry.metadata !== null) args.push("--metadata", JSON.stringify(entry.metadata));
  if (entry.expiration !== undefined) args.push("--expiration", String(entry.expiration));
  wrangler(dir, args);
}

function bulkDelete(dir, binding, names) {
  for (let i = 0; i < names.length; i += 10000) {
    wrangler(dir, ["bulk", "delete", file("delete.json", JSON.stringify(names.slice(i, i + 10000))), "--binding", binding, "--force"]);
  }
}

function sleep(seconds) {
  if (seconds > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}

/** Text that a bulk read may have changed: a value that was not UTF-8 reads as U+FFFD. */
const maybeBinary = (value) => value.includes("\uFFFD");

const renameSources = new Set(PLAN.filter((s) => s.kind === "rename").map((s) => `${s.binding}\u0000${s.from}`));
const now = () => Math.floor(Date.now() / 1000);
let conflicts = 0;
let failures = 0;

/** The source keys of a step, and each one's target (null: a session, deleted). */
function sources(step) {
  const prefix = step.kind === "rename" ? step.from : step.start;
  const listed = list(step.dir, step.binding, prefix);
  const keys = listed.filter((k) => {
    if (step.kind === "rename") return k.name === step.from;
    if (step.kind === "sessions") return step.exact ? k.name === step.start : true;
    // A key `renames` moves elsewhere is not prefixed, and a key that has the prefix already is not
    // one of the old keys.
    return !renameSources.has(`${step.binding}\u0000${k.name}`) && !k.name.startsWith(step.prefix);
  });
  const target = (name) => (step.kind === "rename" ? step.to : step.kind === "prefix" ? step.prefix + name : null);
  return { keys: keys.map((k) => ({ ...k, target: target(k.name) })), capped: listed.length >= LOCAL_LIST_CAP };
}

function describe(step) {
  if (step.kind === "rename") return `rename ${step.binding}: ${step.from} -> ${step.to}`;
  if (step.kind === "prefix") return `prefix ${step.binding}: ${step.start}* -> ${step.prefix}${step.start}*`;
  return `sessions ${step.binding}: ${step.start}${step.exact ? "" : "*"} (now in ${step.object})`;
}

/** A stored entry's identity: its value (text or bytes), metadata and expiration. */
function fingerprint(value, metadata, expiration) {
  const h = createHash("sha256");
  h.update(typeof value === "string" ? Buffer.from(value, "utf8") : value);
  h.update("\u0000" + JSON.stringify(metadata ?? null) + "\u0000" + String(expiration ?? ""));
  return h.digest("hex");
}

/** The state key of a target. */
const stateKey = (step, target) => `${step.dir}\u0000${step.binding}\u0000${target}`;

/**
 * One round of a rename or prefix step: what it listed, and whether more may follow. It copies
 * (never deletes, but with --delete-old): an old key whose target is absent is copied; a target
 * that still holds kvlint's earlier copy is updated when the old key changed since (the old code
 * wrote it); a target written since kvlint's copy (by the new code) is kept and reported; a
 * target that was never kvlint's and differs is a conflict.
 */
function moveRound(step, round) {
  const { keys, capped } = sources(step);
  if (keys.length === 0) {
    if (round === 0) console.log("  no stored key to move");
    return { done: true };
  }
  const values = bulkGet(step.dir, step.binding, keys.map((k) => k.name));
  const existing = bulkGet(step.dir, step.binding, keys.map((k) => k.target));
  const listed = () => listEntries(step.dir, step.binding, keys.map((k) => k.target));
  const targets = listed();
  let failed = 0;
  const copy = [];
  const same = [];
  const kept = [];
  const clash = [];
  for (const k of keys) {
    const value = values.get(k.name);
    if (value === null) continue; // deleted or expired since the list
    if (k.expiration !== undefined && k.expiration < now() + 60) {
      console.log(`  skip ${k.name}: it expires within a minute (KV takes no shorter expiration to copy it with)`);
      continue;
    }
    k.value = value;
    k.print = fingerprint(value, k.metadata, k.expiration);
    const there = existing.get(k.target);
    const copied = state[stateKey(step, k.target)];
    if (there === null) {
      if (copied === undefined) copy.push(k);
      else kept.push({ ...k, why: "deleted since kvlint copied it there (by the new code)" });
      continue;
    }
    const t = targets.get(k.target);
    const print = fingerprint(there, t?.metadata, t?.expiration);
    if (print === k.print && !maybeBinary(value)) same.push(k);
    else if (copied !== undefined && print === copied) copy.push({ ...k, update: true });
    else if (copied !== undefined) kept.push({ ...k, why: "written since kvlint copied it there (by the new code)" });
    else clash.push(k);
  }
  for (const k of copy) console.log(`  ${apply ? "" : "would "}${k.update ? "update" : "copy"} ${k.name} -> ${k.target}${k.update ? " (the old key changed since the last copy)" : ""}`);
  for (const k of kept) console.log(`  keep ${k.target}: ${k.why}; ${k.name} is not copied over it`);
  for (const k of clash) console.log(`  CONFLICT ${k.name} -> ${k.target}: the target exists with another value`);
  if (clash.length > 0) {
    conflicts += clash.length;
    console.log(`  nothing of this pattern ${apply ? "was copied or deleted" : "would be copied"}: resolve the conflicts first`);
    return { done: true };
  }
  if (apply && copy.length > 0) {
    const text = copy.filter((k) => !maybeBinary(k.value));
    const binary = copy.filter((k) => maybeBinary(k.value));
    if (text.length > 0) {
      const entries = text.map((k) => {
        const e = { key: k.target, value: k.value };
        if (k.metadata !== undefined && k.metadata !== null) e.metadata = k.metadata;
        if (k.expiration !== undefined) e.expiration = k.expiration;
        return e;
      });
      wrangler(step.dir, ["bulk", "put", file("put.json", JSON.stringify(entries)), "--binding", step.binding]);
    }
    const bytes = new Map();
    for (const k of binary) {
      const b = rawGet(step.dir, step.binding, k.name);
      bytes.set(k.name, b);
      k.print = fingerprint(b, k.metadata, k.expiration);
      rawPut(step.dir, step.binding, k.target, b, k);
    }
    // Read back: values, then metadata and expiration. Only a copy that reads back the same
    // is kvlint's (and may be updated or let an old key be deleted later).
    const back = bulkGet(step.dir, step.binding, text.map((k) => k.target));
    const wrong = new Set(text.filter((k) => back.get(k.target) !== k.value).map((k) => k.target));
    for (const k of binary) {
      if (!rawGet(step.dir, step.binding, k.target).equals(bytes.get(k.name))) wrong.add(k.target);
    }
    const after = listed();
    for (const k of copy) {
      const t = after.get(k.target);
      if (t === undefined) {
        wrong.add(k.target);
        continue;
      }
      if (!isDeepStrictEqual(t.metadata ?? null, k.metadata ?? null) || t.expiration !== k.expiration) wrong.add(k.target);
    }
    for (const k of copy) if (!wrong.has(k.target)) state[stateKey(step, k.target)] = k.print;
    saveState();
    if (wrong.size > 0) {
      failed = wrong.size;
      failures += wrong.size;
      console.log(`  the copies of ${[...wrong].join(", ")} do not read back the same`);
    }
    console.log(`  copied ${copy.length - wrong.size}`);
  }
  for (const k of same) if (apply) state[stateKey(step, k.target)] = k.print;
  saveState();
  let deleted = 0;
  if (deleteOld && failed > 0) {
    console.log("  nothing of this pattern was deleted: a copy did not read back the same");
  } else if (deleteOld) {
    // An old key goes only where its target holds the same value, metadata and expiration.
    const now = listed();
    const back = bulkGet(step.dir, step.binding, keys.map((k) => k.target));
    const gone = [];
    for (const k of keys) {
      const t = now.get(k.target);
      const there = back.get(k.target);
      if (k.print === undefined || there === null || t === undefined) continue;
      const print = maybeBinary(there)
        ? fingerprint(rawGet(step.dir, step.binding, k.target), t.metadata, t.expiration)
        : fingerprint(there, t.metadata, t.expiration);
      const source = maybeBinary(k.value) ? fingerprint(rawGet(step.dir, step.binding, k.name), k.metadata, k.expiration) : k.print;
      if (print !== source) {
        console.log(`  keep ${k.name}: ${k.target} does not hold the same value, metadata and expiration`);
        continue;
      }
      gone.push(k.name);
    }
    for (const name of gone) console.log(`  delete ${name}`);
    if (gone.length > 0) bulkDelete(step.dir, step.binding, gone);
    deleted = gone.length;
  }
  if (capped && !(apply && deleteOld)) {
    console.log(`  (the local store lists ${LOCAL_LIST_CAP} keys of a prefix at a time: more may follow; --apply --delete-old goes on in rounds, as the old keys it deletes make room)`);
  }
  // A local store lists 1,000 keys at a time: rounds go on while old keys are deleted.
  return { done: !capped || deleted === 0 };
}

function sessionRound(step, round) {
  const { keys, capped } = sources(step);
  if (keys.length === 0) {
    if (round === 0) console.log("  no stored session key");
    return { done: true };
  }
  const act = apply && deleteSessions;
  for (const k of keys) console.log(`  ${act ? "delete" : "would delete"} ${k.name}`);
  if (!act) {
    console.log(`  kept: session keys are deleted only with --apply --delete-sessions`);
    if (capped) console.log(`  (the local store lists ${LOCAL_LIST_CAP} keys at a time: more may follow)`);
    return { done: true };
  }
  bulkDelete(step.dir, step.binding, keys.map((k) => k.name));
  return { done: !capped };
}

const started = Date.now();
try {
  if (PLAN.length === 0) console.log("Nothing to move: no configured fix renames, prefixes or moves a key.");
  for (const step of PLAN) {
    console.log(`${describe(step)}  [${step.origin}]`);
    for (let round = 0; ; round += 1) {
      if (round > 0) sleep(pause);
      const { done } = step.kind === "sessions" ? sessionRound(step, round) : moveRound(step, round);
      if (done) break;
    }
  }
} catch (e) {
  console.error(`kvlint migrate-data: ${e.message}`);
  process.exit(2);
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const what = apply ? (deleteOld ? "Copied, and deleted the old keys whose copies hold the same" : "Copied (nothing deleted; --delete-old deletes the old keys once the fixed code is deployed)") : deleteOld ? "Deleted the old keys whose copies hold the same (nothing copied)" : "Dry run (nothing changed; --apply copies)";
console.log(`${what}: ${calls} wrangler calls in ${seconds} s.`);
if (conflicts > 0 || failures > 0) {
  console.log(`${conflicts} conflicts, ${failures} copies that did not read back: exit 1.`);
  process.exit(1);
}
