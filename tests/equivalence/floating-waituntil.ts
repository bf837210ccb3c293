// no-floating-kv-write under --unsafe-fixes: dropped writes handed to the context's
// waitUntil (a `void` dropped, a `.then` chain wrapped whole). With waitUntil's promises
// awaited before the store is compared, the writes, the console and the store are the same.
// @fix-mode unsafe
// @expect changed
// @reports no-floating-kv-write
// @unsafe-fix no-floating-kv-write
export async function main(env: { CACHE: KVNamespace }, input: string, ctx: ExecutionContext) {
  env.CACHE.put('cache:last', input, { expirationTtl: 60 });
  void env.CACHE.delete('cache:old');
  env.CACHE.put('cache:chain', input, { expirationTtl: 120 }).then(() => console.log('saved'));
  (env.CACHE.delete('cache:gone'));
  return 'ok';
}

export const scenarios = [
  { input: 'v', seed: { CACHE: { 'cache:old': 'x', 'cache:gone': 'y' } } },
  { input: 'w', seed: {} },
];
