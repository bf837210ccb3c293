// An in-memory Workers KV namespace with the semantics a Worker can observe: text, json,
// arrayBuffer and stream reads; bulk `get([...])` returning a `Map`; `getWithMetadata`;
// `put` options with the run-time checks KV makes; `list` with prefix, limit and cursor.
// Every operation is logged, for the behaviour-equivalence driver to compare.
//
// `keyMap` (old name -> new name) makes a namespace whose data lives under the new names
// while the program speaks the old ones: the program before a configured rename runs
// against it, the program after runs against a plain namespace, and both must see the same.

const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024;
const MAX_BULK_KEYS = 100;
const MAX_LIST_LIMIT = 1000;
const MIN_EXPIRATION_TTL = 60;
const MIN_CACHE_TTL = 30;
// The fake's clock, in seconds since the epoch: expirations are checked against it.
export const NOW = 1_800_000_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function kvError(method, message) {
  return new Error(`KV ${method} failed: ${message}`);
}

function validateKey(method, key) {
  if (key === "") throw new TypeError("Key names must not be empty");
  if (key === "." || key === "..") throw new TypeError(`Illegal key name "${key}". Please use a different name.`);
  const bytes = encoder.encode(key).byteLength;
  if (bytes > MAX_KEY_BYTES) {
    throw kvError(method, `414 UTF-8 encoded length of ${bytes} exceeds key length limit of ${MAX_KEY_BYTES}.`);
  }
}

// WebIDL DOMString conversion, as workerd applies to keys.
function keyString(key) {
  if (typeof key === "symbol") throw new TypeError("Cannot convert a Symbol value to a string");
  return String(key);
}

function readOptions(method, options) {
  let type = "text";
  let cacheTtl;
  if (typeof options === "string") {
    type = options;
  } else if (options !== undefined && options !== null) {
    if (typeof options !== "object") throw new TypeError(`Failed to execute '${method}': options must be an object or a string`);
    if (options.type !== undefined) type = options.type;
    cacheTtl = options.cacheTtl;
  }
  if (!["text", "json", "arrayBuffer", "stream"].includes(type)) {
    throw new TypeError(`Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`);
  }
  if (cacheTtl !== undefined) {
    const n = Number(cacheTtl);
    if (!Number.isFinite(n) || n < MIN_CACHE_TTL) {
      throw kvError(method, `400 Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${MIN_CACHE_TTL}.`);
    }
  }
  return type;
}

function decode(bytes, type) {
  switch (type) {
    case "text":
      return decoder.decode(bytes);
    case "json":
      return JSON.parse(decoder.decode(bytes));
    case "arrayBuffer":
      return bytes.slice().buffer;
    case "stream":
      return new ReadableStream({
        start(controller) {
          controller.enqueue(bytes.slice());
          controller.close();
        },
      });
  }
}

async function valueBytes(value) {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (value instanceof ReadableStream) {
    const chunks = [];
    for await (const chunk of value) chunks.push(typeof chunk === "string" ? encoder.encode(chunk) : new Uint8Array(chunk));
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
  if (value === null || value === undefined) {
    throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
  }
  // WebIDL: a union with a string member converts anything else to a string.
  return encoder.encode(String(value));
}

export class FakeKV {
  /**
   * @param {string} name the binding name, for the log
   * @param {Record<string, string | {value: string, metadata?: unknown, expiration?: number}>} seed
   * @param {{log: string[][], keyMap?: Record<string, string>, defaultTtl?: number}} options
   */
  constructor(name, seed, { log, keyMap = {}, defaultTtl } = { log: [] }) {
    this.name = name;
    this.log = log;
    this.defaultTtl = defaultTtl;
    /** Operations that rejected (bad keys or options, a value that is not JSON). */
    this.failures = 0;
    this.toStored = new Map(Object.entries(keyMap));
    this.toProgram = new Map(Object.entries(keyMap).map(([a, b]) => [b, a]));
    /** @type {Map<string, {value: Uint8Array, metadata: unknown, expiration?: number, expirationTtl?: number}>} */
    this.store = new Map();
    for (const [key, entry] of Object.entries(seed ?? {})) {
      const e = typeof entry === "string" ? { value: entry } : entry;
      this.store.set(key, { value: encoder.encode(e.value), metadata: e.metadata ?? null, expiration: e.expiration });
    }
  }

  /** Counts a rejected operation. */
  async guard(op) {
    try {
      return await op();
    } catch (e) {
      this.failures += 1;
      throw e;
    }
  }

  stored(key) {
    return this.toStored.get(key) ?? key;
  }

  programName(key) {
    return this.toProgram.get(key) ?? key;
  }

  record(kind, ...parts) {
    this.log.push([kind, `${this.name}.${parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")}`]);
  }

  live(key) {
    const e = this.store.get(key);
    if (e && e.expiration !== undefined && e.expiration <= NOW) {
      this.store.delete(key);
      return undefined;
    }
    return e;
  }

  get(key, options) {
    return this.guard(() => this.getNow(key, options));
  }

  async getNow(key, options) {
    const type = readOptions("GET", options);
    if (Array.isArray(key)) return this.bulk("get", key, type, (e) => (e ? decode(e.value, type) : null));
    key = keyString(key);
    validateKey("GET", key);
    const stored = this.stored(key);
    this.record("read", "get", stored);
    const e = this.live(stored);
    return e ? decode(e.value, type) : null;
  }

  getWithMetadata(key, options) {
    return this.guard(() => this.getWithMetadataNow(key, options));
  }

  async getWithMetadataNow(key, options) {
    const type = readOptions("GET", options);
    if (Array.isArray(key)) {
      return this.bulk("getWithMetadata", key, type, (e) =>
        e ? { value: decode(e.value, type), metadata: e.metadata } : null,
      );
    }
    key = keyString(key);
    validateKey("GET", key);
    const stored = this.stored(key);
    this.record("read", "getWithMetadata", stored);
    const e = this.live(stored);
    return e
      ? { value: decode(e.value, type), metadata: e.metadata, cacheStatus: null }
      : { value: null, metadata: null, cacheStatus: null };
  }

  bulk(method, keys, type, value) {
    if (type !== "text" && type !== "json") {
      throw new TypeError(`"${type}" is not a valid type. Use "json" or "text"`);
    }
    if (keys.length > MAX_BULK_KEYS) throw kvError("GET", `400 You can request a maximum of ${MAX_BULK_KEYS} keys`);
    const names = keys.map(keyString);
    names.forEach((k) => validateKey("GET", k));
    const out = new Map();
    for (const k of names) {
      const stored = this.stored(k);
      this.record("read", method, stored);
      out.set(k, value(this.live(stored)));
    }
    return out;
  }

  put(key, value, options) {
    return this.guard(() => this.putNow(key, value, options));
  }

  async putNow(key, value, options) {
    key = keyString(key);
    validateKey("PUT", key);
    const bytes = await valueBytes(value);
    if (bytes.byteLength > MAX_VALUE_BYTES) throw kvError("PUT", `413 Value length of ${bytes.byteLength} exceeds limit of ${MAX_VALUE_BYTES}.`);
    const opts = options ?? {};
    if (typeof opts !== "object") throw new TypeError("Failed to execute 'put': options must be an object");
    let { expiration, expirationTtl, metadata } = opts;
    if (expiration === undefined && expirationTtl === undefined && this.defaultTtl !== undefined) {
      // The configured default TTL is the change `require-kv-ttl` is asked to make: both
      // programs are compared as if every put without an expiration had it.
      expirationTtl = this.defaultTtl;
    }
    if (expirationTtl !== undefined) {
      const n = Number(expirationTtl);
      if (Number.isNaN(n) || n < MIN_EXPIRATION_TTL) {
        throw kvError("PUT", `400 Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${MIN_EXPIRATION_TTL}.`);
      }
    }
    if (expiration !== undefined) {
      const n = Number(expiration);
      if (Number.isNaN(n) || n <= NOW + MIN_EXPIRATION_TTL - 1) {
        throw kvError("PUT", `400 Invalid expiration of ${expiration}. Expiration times must be at least ${MIN_EXPIRATION_TTL} seconds in the future.`);
      }
    }
    const meta = metadata === undefined ? null : JSON.parse(JSON.stringify(metadata));
    if (metadata !== undefined && encoder.encode(JSON.stringify(metadata)).byteLength > MAX_METADATA_BYTES) {
      throw kvError("PUT", `413 Metadata length exceeds limit of ${MAX_METADATA_BYTES}`);
    }
    const stored = this.stored(key);
    const shown = { expiration, expirationTtl, metadata: meta };
    this.record("write", "put", stored, decoder.decode(bytes), shown);
    this.store.set(stored, {
      value: bytes,
      metadata: meta,
      expiration: expiration !== undefined ? Number(expiration) : expirationTtl !== undefined ? NOW + Number(expirationTtl) : undefined,
    });
  }

  delete(key) {
    return this.guard(() => this.deleteNow(key));
  }

  async deleteNow(key) {
    key = keyString(key);
    validateKey("DELETE", key);
    const stored = this.stored(key);
    this.record("write", "delete", stored);
    this.store.delete(stored);
  }

  list(options) {
    return this.guard(() => this.listNow(options));
  }

  async listNow(options) {
    const opts = options ?? {};
    const prefix = opts.prefix === undefined || opts.prefix === null ? "" : String(opts.prefix);
    const limit = opts.limit === undefined ? MAX_LIST_LIMIT : Number(opts.limit);
    if (!(limit >= 1 && limit <= MAX_LIST_LIMIT)) throw kvError("LIST", `400 Invalid key_count_limit of ${opts.limit}`);
    const start = opts.cursor ? Number.parseInt(String(opts.cursor).replace(/^c/, ""), 10) : 0;
    this.record("read", "list", prefix, String(limit), String(opts.cursor ?? ""));
    // The program sees its own names: with a key map, a listing by an old prefix finds only
    // what still lives under a name that has it.
    const names = [...this.store.keys()]
      .filter((k) => this.live(k))
      .map((k) => this.programName(k))
      .filter((k) => k.startsWith(prefix))
      .sort();
    const page = names.slice(start, start + limit);
    const complete = start + limit >= names.length;
    const keys = page.map((name) => {
      const e = this.store.get(this.stored(name));
      const k = { name };
      if (e.expiration !== undefined) k.expiration = e.expiration;
      if (e.metadata !== null) k.metadata = e.metadata;
      return k;
    });
    return complete
      ? { keys, list_complete: true, cacheStatus: null }
      : { keys, list_complete: false, cursor: `c${start + limit}`, cacheStatus: null };
  }

  /** The final store, in storage names, sorted. */
  snapshot() {
    return [...this.store.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, e]) => `${this.name}.${k} = ${JSON.stringify(decoder.decode(e.value))} metadata=${JSON.stringify(e.metadata)} expiration=${e.expiration ?? "-"}`);
  }
}
