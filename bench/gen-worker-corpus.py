#!/usr/bin/env python3
"""Writes a generated Worker project for kvlint's benchmarks (nothing here is a test).

    bench/gen-worker-corpus.py DIR [FILES] [--kv-heavy]

DIR gets package.json, tsconfig.json (with `paths`), wrangler.toml, an env.d.ts, a few
shared modules (KV helpers, key constants, Env types) and FILES source files (default
3,000) spread over folders. Plain files import the shared modules and hold ordinary code;
with --kv-heavy every file is full of KV calls: receivers of every form and findings of
every rule.
"""
import os
import random
import sys

def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    heavy = "--kv-heavy" in sys.argv
    out = args[0]
    count = int(args[1]) if len(args) > 1 else 3000
    rnd = random.Random(42)
    os.makedirs(os.path.join(out, "src/lib"), exist_ok=True)
    w = lambda p, t: open(os.path.join(out, p), "w").write(t)
    w("package.json", '{ "name": "generated-worker", "private": true }\n')
    w("tsconfig.json", '{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./src/*"] }, "strict": true } }\n')
    w("wrangler.toml", 'name = "generated"\n[[kv_namespaces]]\nbinding = "CACHE"\nid = "c"\n[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "f"\n')
    w("env.d.ts", "interface CloudflareEnv {\n  SESSIONS: KVNamespace;\n  FLAGS: KVNamespace;\n}\n")
    w("src/lib/kv.ts", "import type { Env } from '../types';\nexport function cacheKV(env: Env): KVNamespace {\n  return env.CACHE;\n}\nexport async function lazyKV(): Promise<KVNamespace> {\n  throw new Error('x');\n}\n")
    w("src/lib/keys.ts", "export const SESSION_PREFIX = 'session:';\nexport const KEYS = { user: 'user:', feed: 'feed_' } as const;\n")
    w("src/types.ts", "export interface Env {\n  CACHE: KVNamespace;\n  FILES: R2Bucket;\n  USER_SESSIONS: DurableObjectNamespace;\n}\n")
    w("src/lib/index.ts", "export * from './kv';\nexport * from './keys';\n")
    for i in range(count):
        folder = os.path.join("src", f"area{i % 40}")
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        if heavy:
            body = heavy_file(i, rnd)
        else:
            body = plain_file(i, rnd)
        w(os.path.join(folder, f"m{i}.ts"), body)

def plain_file(i, rnd):
    lines = [
        "import { helper } from '../area0/m0';" if i else "export function helper(x: number) { return x * 2; }",
        "import type { Env } from '@/types';",
        "",
    ]
    for f in range(rnd.randint(3, 8)):
        lines += [
            f"export function f{f}(items: number[], env: Env): number {{",
            "  let total = 0;",
            "  for (const item of items) {",
            f"    total += item * {f + 1};",
            "    if (total > 1000) {",
            "      total = total % 997;",
            "    }",
            "  }",
            f"  const map = new Map<string, number>([['a', {f}]]);",
            "  return total + (map.get('a') ?? 0);",
            "}",
            "",
        ]
    if i % 10 == 0:
        lines += [
            "export async function read(env: Env, id: string) {",
            "  return env.CACHE.get(`cache:${id}`, { cacheTtl: 60 });",
            "}",
        ]
    return "\n".join(lines) + "\n"

def heavy_file(i, rnd):
    return f"""import {{ cacheKV, lazyKV, SESSION_PREFIX, KEYS }} from '../lib';
import type {{ Env }} from '../types';

export class Store{i} {{
  constructor(private kv: KVNamespace) {{}}
  async save(id: string, v: string) {{
    await this.kv.put(`${{KEYS.user}}${{id}}`, v);
  }}
}}

export async function handler{i}(env: Env, id: string, ctx: {{ env: Env }}) {{
  const kv = env.CACHE;
  const a = await kv.get('fb_app_access_token');
  const b = await kv.get(`instagram:posts:${{id}}`);
  const c = await kv.get('instagram:profile');
  const parsed = JSON.parse(await env.CACHE.get('config:flags'));
  await cacheKV(env).put(`${{KEYS.feed}}${{id}}`, JSON.stringify(parsed));
  await kv.put('cache:x', 'v', {{ expirationTtl: 30 }});
  const session = await (await lazyKV()).get(`${{SESSION_PREFIX}}${{id}}`);
  await ctx.env.CACHE.delete(`spotify_session:${{id}}`);
  const raw = await kv.get('config:oauth');
  const cfg = JSON.parse(raw!);
  await env.FILES.put('exports/' + id, 'x');
  const local = new Map<string, string>();
  local.get('cache:y');
  return {{ a, b, c, session, cfg }};
}}
"""

main()
