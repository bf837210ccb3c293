// no-floating-kv-write under --unsafe-fixes: a dropped write that KV rejects (an
// expirationTtl below 60). Before the fix its rejection is unhandled; after, it goes to
// waitUntil. What the program returns, writes and stores is the same.
// @fix-mode unsafe
// @expect changed
// @reports no-floating-kv-write
// @unsafe-fix no-floating-kv-write
export async function main(env: { CACHE: KVNamespace }, input: string, ctx: ExecutionContext) {
  env.CACHE.put('cache:short', input, { expirationTtl: 30 }).catch((e) => console.log('failed:', String(e)));
  env.CACHE.put('cache:unhandled', input, { expirationTtl: 10 });
  env.CACHE.put('cache:ok', input, { expirationTtl: 60 });
  return 'answered';
}

export const scenarios = [{ input: 'v', seed: {} }];
