//! The receiver forms the model recognises, and the look-alikes it must not.

use super::bindings::{BindingKind, BindingSource, Bindings};
use super::SemanticModel;
use crate::parse::{parse, Lang};
use crate::source::Source;

fn bindings() -> Bindings {
    let mut b = Bindings::default();
    let src = BindingSource::Wrangler("wrangler.toml".into(), None);
    b.add("SESSIONS", BindingKind::Kv, src.clone());
    b.add("ASSETS", BindingKind::Other, src.clone());
    b.add("USER_SESSIONS", BindingKind::DurableObject, src);
    b
}

/// The 1-based lines of the KV calls the model finds.
fn kv_lines(code: &str) -> Vec<usize> {
    let source = Source::new(code.to_string());
    let parsed = parse(&source, Lang::TypeScript, false).expect("parses");
    let bindings = bindings();
    let model = SemanticModel::build(&parsed.program, &source, &bindings, "t.ts", None);
    model
        .kv_calls
        .iter()
        .map(|c| source.position(source.range(c.span).start).line)
        .collect()
}

#[test]
fn env_objects() {
    let code = "\
export default { async fetch(req: Request, env: Env) { await env.SESSIONS.get('a'); } };
app.get('/', async (c) => { await c.env.SESSIONS.get('a'); });
export const onRequest = async (context) => { await context.env.SESSIONS.get('a'); };
export const onRequestGet = async ({ env, params }) => { await env.SESSIONS.get('a'); };
export class Obj extends DurableObject { async f() { await this.env.SESSIONS.get('a'); } }
async function g(env: Env) { await env['SESSIONS'].get('a'); await (env.SESSIONS as KVNamespace)!.get('a'); }
async function h() { const ctx = getRequestContext(); await getRequestContext().env.SESSIONS.get('a'); }
";
    assert_eq!(kv_lines(code), vec![1, 2, 3, 4, 5, 6, 6, 7]);
}

#[test]
fn cloudflare_workers_env_import() {
    let code = "import { env } from 'cloudflare:workers';\nexport async function f() { await env.SESSIONS.get('a'); }\n";
    assert_eq!(kv_lines(code), vec![2]);
}

#[test]
fn aliases_destructuring_and_types() {
    let code = "\
async function a(env: Env) { const kv = env.SESSIONS ?? null; await kv?.get('a'); }
async function b(env: Env) { const { SESSIONS } = env; await SESSIONS.get('a'); }
async function c(c: Ctx) { const { SESSIONS: store } = c.env; await store.put('a', 'b'); }
async function d(kv: KVNamespace | undefined) { await kv!.get('a'); }
async function e(kv: KVNamespace<string>) { await kv.list(); }
async function f(c: Ctx) { const kv = (c.env as unknown as { SESSIONS?: KVNamespace })?.SESSIONS; await kv!.get('a'); }
function getKV(env: Env): KVNamespace { return env.SESSIONS; }
async function g(env: Env) { await getKV(env).get('a'); }
class Store { private kv: KVNamespace; #other: KVNamespace | null = null; constructor(kv: KVNamespace) { this.kv = kv; }
  async h() { await this.kv.get('a'); await this.#other?.delete('a'); } }
";
    assert_eq!(kv_lines(code), vec![1, 2, 3, 4, 5, 6, 8, 10, 10]);
}

#[test]
fn service_worker_globals() {
    let code = "addEventListener('fetch', (e) => e.respondWith(SESSIONS.get('a').then((v) => new Response(v))));\n";
    assert_eq!(kv_lines(code), vec![1]);
}

#[test]
fn look_alikes_are_not_kv() {
    let code = "\
export default { async fetch(req: Request, env: Env) {
  const m = new Map<string, string>(); m.get('a'); m.set('a', 'b'); m.delete('a');
  req.headers.get('a'); new URL(req.url).searchParams.get('a'); (await req.formData()).get('a');
  await env.ASSETS.put('a', 'b'); await env.ASSETS.get('a'); await env.ASSETS.list();
  await caches.default.put(req, new Response()); await caches.default.delete(req);
  const id = env.USER_SESSIONS.idFromName('a'); const stub = env.USER_SESSIONS.get(id);
  await stub.fetch(req);
  const SESSIONS = new Map<string, string>(); SESSIONS.get('a');
  return new Response();
} };
app.get('/', (c) => { c.get('user'); c.set('user', 1); return c.text('ok'); });
function shadow(SESSIONS: Map<string, string>) { SESSIONS.get('a'); }
function shadowEnv() { const env = { SESSIONS: new Map() }; env.SESSIONS.get('a'); }
function typedOther(kv: Map<string, string>) { kv.get('a'); }
function untyped(kv) { kv.get('a'); }
";
    assert_eq!(kv_lines(code), Vec::<usize>::new());
}

/// An object literal is read as a shape up to `MAX_SHAPE_MEMBERS` (64) members: a KV member
/// of a larger one is not followed.
#[test]
fn object_shapes_have_at_most_64_members() {
    for (n, kv) in [(64, true), (65, false)] {
        let others: String = (1..n).map(|i| format!("m{i}: {i}, ")).collect();
        let code = format!(
            "async function f(env: Env) {{\n  const o = {{ {others}kv: env.SESSIONS }};\n  await o.kv.get('a');\n}}\n"
        );
        assert_eq!(kv_lines(&code) == vec![3], kv, "{n} members");
    }
}
