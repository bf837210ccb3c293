//! Statically known values: numbers (TTLs) and key strings or prefixes.

use std::borrow::Cow;

use rustc_hash::FxHashMap as HashMap;

use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    BinaryOp, Expr, Lit, MemberProp, ObjectLit, Prop, PropName, PropOrSpread, UnaryOp,
};

/// `const` initialisers visible where a KV call is, by name.
pub type Consts<'p> = HashMap<Atom, &'p Expr>;

const MAX_DEPTH: usize = 16;

/// Looks through parentheses and TypeScript wrappers (`as`, `!`, `satisfies`, `<T>x`).
pub fn strip(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(a) => &a.expr,
            Expr::TsNonNull(n) => &n.expr,
            Expr::TsSatisfies(s) => &s.expr,
            Expr::TsTypeAssertion(t) => &t.expr,
            Expr::TsConstAssertion(c) => &c.expr,
            _ => return e,
        }
    }
}

/// Looks through parentheses only: `(await x)` is an `await`, `await x as T` is not.
pub fn unparen(mut e: &Expr) -> &Expr {
    while let Expr::Paren(p) = e {
        e = &p.expr;
    }
    e
}

/// `String` or `JSON.stringify`, spelled so: a call of it is a string of its argument.
pub fn is_string_wrapper(callee: &Expr) -> bool {
    match strip(callee) {
        Expr::Ident(i) => &*i.sym == "String",
        Expr::Member(m) => {
            matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "JSON")
                && matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "stringify")
        }
        _ => false,
    }
}

/// The numeric value of a literal, a negative literal, a `const` holding one, or arithmetic of those.
pub fn number(e: &Expr, consts: &Consts) -> Option<f64> {
    number_at(e, consts, 0)
}

fn number_at(e: &Expr, consts: &Consts, depth: usize) -> Option<f64> {
    if depth > MAX_DEPTH {
        return None;
    }
    match strip(e) {
        Expr::Lit(Lit::Num(n)) => Some(n.value),
        Expr::Unary(u) => {
            let v = number_at(&u.arg, consts, depth + 1)?;
            match u.op {
                UnaryOp::Minus => Some(-v),
                UnaryOp::Plus => Some(v),
                _ => None,
            }
        }
        Expr::Ident(i) => number_at(consts.get(&i.sym)?, consts, depth + 1),
        Expr::Bin(b) => {
            let l = number_at(&b.left, consts, depth + 1)?;
            let r = number_at(&b.right, consts, depth + 1)?;
            Some(match b.op {
                BinaryOp::Add => l + r,
                BinaryOp::Sub => l - r,
                BinaryOp::Mul => l * r,
                BinaryOp::Div => l / r,
                BinaryOp::Mod => l % r,
                BinaryOp::Exp => l.powf(r),
                _ => return None,
            })
        }
        _ => None,
    }
}

fn is_date_now(e: &Expr) -> bool {
    let Expr::Call(c) = strip(e) else {
        return false;
    };
    let Some(callee) = c.callee.as_expr() else {
        return false;
    };
    matches!(strip(callee), Expr::Member(m)
        if matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "Date")
        && matches!(&m.prop, MemberProp::Ident(p) if &*p.sym == "now"))
}

/// Whether an expression is computed from `Date.now()` (milliseconds) without a division
/// by 1000 on the way, following `const`s.
pub fn uses_milliseconds_now(e: &Expr, consts: &Consts) -> bool {
    ms_at(e, consts, 0)
}

fn ms_at(e: &Expr, consts: &Consts, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let e = strip(e);
    if is_date_now(e) {
        return true;
    }
    match e {
        Expr::Ident(i) => consts
            .get(&i.sym)
            .is_some_and(|c| ms_at(c, consts, depth + 1)),
        Expr::Bin(b) => match b.op {
            BinaryOp::Div => false,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul => {
                ms_at(&b.left, consts, depth + 1) || ms_at(&b.right, consts, depth + 1)
            }
            _ => false,
        },
        Expr::Unary(u) if matches!(u.op, UnaryOp::Plus | UnaryOp::Minus) => {
            ms_at(&u.arg, consts, depth + 1)
        }
        Expr::Call(c) => {
            // Math.floor(Date.now() + x) and the like keep milliseconds.
            let math = c.callee.as_expr().is_some_and(|callee| {
                matches!(strip(callee), Expr::Member(m)
                    if matches!(strip(&m.obj), Expr::Ident(o) if &*o.sym == "Math"))
            });
            math && c.args.len() == 1 && ms_at(&c.args[0].expr, consts, depth + 1)
        }
        _ => false,
    }
}

/// What is statically known of a key expression.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum KeyValue {
    /// The whole key.
    Static(String),
    /// The text before the first dynamic part (never empty).
    Prefix(String),
    Unknown,
}

/// The static value or prefix of a key (DESIGN §2 "Key values").
pub fn key_value(e: &Expr, consts: &Consts) -> KeyValue {
    key_at(e, consts, 0)
}

fn key_at(e: &Expr, consts: &Consts, depth: usize) -> KeyValue {
    if depth > MAX_DEPTH {
        return KeyValue::Unknown;
    }
    match strip(e) {
        Expr::Lit(Lit::Str(s)) => match s.value.as_str() {
            Some(v) => KeyValue::Static(v.to_string()),
            None => KeyValue::Unknown,
        },
        Expr::Tpl(t) => template_key(t, consts, depth),
        Expr::Bin(b) if b.op == BinaryOp::Add => match key_at(&b.left, consts, depth + 1) {
            KeyValue::Static(l) => match key_at(&b.right, consts, depth + 1) {
                KeyValue::Static(r) => KeyValue::Static(l + &r),
                KeyValue::Prefix(r) => KeyValue::Prefix(l + &r),
                KeyValue::Unknown => prefix(l),
            },
            other => other,
        },
        Expr::Ident(i) => match consts.get(&i.sym) {
            Some(init) => key_at(init, consts, depth + 1),
            None => KeyValue::Unknown,
        },
        // `KV_PREFIXES.session` of `const KV_PREFIXES = { session: 'session:' } as const`.
        Expr::Member(m) => match (strip(&m.obj), &m.prop) {
            (Expr::Ident(o), MemberProp::Ident(p)) => {
                match consts.get(&o.sym).map(|init| strip(init)) {
                    Some(Expr::Object(obj)) => object_member(obj, &p.sym)
                        .map(|v| key_at(v, consts, depth + 1))
                        .unwrap_or(KeyValue::Unknown),
                    _ => KeyValue::Unknown,
                }
            }
            _ => KeyValue::Unknown,
        },
        _ => KeyValue::Unknown,
    }
}

/// Text known to start a key: a prefix, unless it is empty (then nothing is known).
fn prefix(s: String) -> KeyValue {
    if s.is_empty() {
        KeyValue::Unknown
    } else {
        KeyValue::Prefix(s)
    }
}

/// A template's value, or its text up to the first substitution not statically known.
fn template_key(t: &swc_ecma_ast::Tpl, consts: &Consts, depth: usize) -> KeyValue {
    let mut text = String::new();
    for (i, q) in t.quasis.iter().enumerate() {
        let Some(cooked) = q.cooked.as_ref().and_then(|c| c.as_str()) else {
            return prefix(text);
        };
        text.push_str(cooked);
        if let Some(e) = t.exprs.get(i) {
            match key_at(e, consts, depth + 1) {
                KeyValue::Static(s) => text.push_str(&s),
                KeyValue::Prefix(p) => {
                    text.push_str(&p);
                    return prefix(text);
                }
                KeyValue::Unknown => return prefix(text),
            }
        }
    }
    KeyValue::Static(text)
}

/// The value of a property of an object literal without spreads, by its name.
fn object_member<'a>(obj: &'a swc_ecma_ast::ObjectLit, name: &str) -> Option<&'a Expr> {
    use swc_ecma_ast::{Prop, PropName, PropOrSpread};
    let mut found = None;
    for p in &obj.props {
        let PropOrSpread::Prop(p) = p else {
            return None;
        };
        let Prop::KeyValue(kv) = &**p else {
            return None;
        };
        let key = match &kv.key {
            PropName::Ident(i) => Some(&*i.sym),
            PropName::Str(s) => s.value.as_str(),
            _ => return None,
        };
        if key == Some(name) {
            found = Some(&*kv.value);
        }
    }
    found
}

/// An expression known to be a string whatever the values in it: a string literal, a
/// template, a concatenation with one, or a `const` holding one. (A bulk `get` turns every
/// key into a string, and its `Map` is looked up by the key as given: `7` would miss `"7"`.)
pub fn is_string(e: &Expr, consts: &Consts) -> bool {
    string_at(e, consts, 0)
}

fn string_at(e: &Expr, consts: &Consts, depth: usize) -> bool {
    match strip(e) {
        Expr::Lit(Lit::Str(_)) | Expr::Tpl(_) => true,
        Expr::Bin(b) if b.op == BinaryOp::Add => {
            string_at(&b.left, consts, depth) || string_at(&b.right, consts, depth)
        }
        Expr::Ident(i) if depth < MAX_DEPTH => consts
            .get(&i.sym)
            .is_some_and(|init| string_at(init, consts, depth + 1)),
        _ => false,
    }
}

/// Glob match where `*` matches any text, `:` included.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Whether a key matches a pattern such as `*_session:*` (DESIGN §3). A key known only by
/// its prefix matches when the pattern ends in `*` and matches the prefix: that last `*`
/// takes the dynamic rest. An unknown key matches nothing.
pub fn key_matches(pattern: &str, key: &KeyValue) -> bool {
    match key {
        KeyValue::Static(s) => glob(pattern.as_bytes(), s.as_bytes()),
        KeyValue::Prefix(p) => pattern.ends_with('*') && glob(pattern.as_bytes(), p.as_bytes()),
        KeyValue::Unknown => false,
    }
}

/// A property of an object literal: its name, value and whole `key: value` span.
pub struct Property<'a> {
    /// The key; a computed key that folds to a string counts as that string.
    pub name: Cow<'a, str>,
    /// `{ ttl }` has the identifier `ttl` as its value.
    pub value: Cow<'a, Expr>,
    pub span: Span,
}

/// The string a computed key folds to: `[`expirationTtl`]`, `['type']`, `[TTL_KEY]` with
/// `const TTL_KEY = 'expirationTtl'`.
fn computed_name(key: &Expr, consts: &Consts) -> Option<String> {
    match key_value(key, consts) {
        KeyValue::Static(s) => Some(s),
        _ => None,
    }
}

/// The properties whose names are known (computed keys folded with `consts`).
pub fn properties<'a>(
    obj: &'a ObjectLit,
    consts: &'a Consts,
) -> impl Iterator<Item = Property<'a>> {
    obj.props.iter().filter_map(move |p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => {
                let name = match &kv.key {
                    PropName::Ident(i) => Cow::Borrowed(&*i.sym),
                    PropName::Str(s) => Cow::Borrowed(s.value.as_str()?),
                    PropName::Computed(c) => Cow::Owned(computed_name(&c.expr, consts)?),
                    _ => return None,
                };
                Some(Property {
                    name,
                    value: Cow::Borrowed(&*kv.value),
                    span: p.span(),
                })
            }
            Prop::Shorthand(i) => Some(Property {
                name: Cow::Borrowed(&*i.sym),
                value: Cow::Owned(Expr::Ident(i.clone())),
                span: i.span,
            }),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

/// Whether an object literal's keys or values are not all known: a spread (`{ ...opts }`), a
/// computed key that does not fold to a string (`{ [name]: 60 }`), or a getter, setter or
/// method (`{ get expirationTtl() { … } }` is a TTL too). Rules that look for a property, or
/// add one, leave such objects alone.
pub fn opaque(obj: &ObjectLit, consts: &Consts) -> bool {
    obj.props.iter().any(|p| match p {
        PropOrSpread::Spread(_) => true,
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => match &kv.key {
                PropName::Computed(c) => computed_name(&c.expr, consts).is_none(),
                _ => false,
            },
            Prop::Shorthand(_) => false,
            _ => true,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, Lang};
    use crate::source::Source;
    use swc_ecma_ast::{Decl, Stmt};

    /// Parses `const`s and a final expression statement (the program is leaked: the
    /// consts borrow from it).
    fn setup(src: &str) -> (Consts<'static>, &'static Expr) {
        let s = Source::new(src.to_string());
        let p = parse(&s, Lang::TypeScript, false).unwrap();
        let stmts: Vec<Stmt> = match p.program {
            swc_ecma_ast::Program::Script(s) => s.body,
            swc_ecma_ast::Program::Module(m) => {
                m.body.into_iter().filter_map(|i| i.stmt()).collect()
            }
        };
        let stmts: &'static [Stmt] = Vec::leak(stmts);
        let mut consts = Consts::default();
        let mut last = None;
        for stmt in stmts {
            match stmt {
                Stmt::Decl(Decl::Var(v)) => {
                    for d in &v.decls {
                        let name = d.name.as_ident().unwrap().id.sym.clone();
                        consts.insert(name, d.init.as_deref().unwrap());
                    }
                }
                Stmt::Expr(e) => last = Some(&*e.expr),
                _ => {}
            }
        }
        (consts, last.unwrap())
    }

    fn key(src: &str) -> KeyValue {
        let (c, e) = setup(src);
        key_value(e, &c)
    }

    #[test]
    fn keys() {
        assert_eq!(key("'a:b';"), KeyValue::Static("a:b".into()));
        assert_eq!(key("`a:${x}`;"), KeyValue::Prefix("a:".into()));
        assert_eq!(key("`${x}:a`;"), KeyValue::Unknown);
        assert_eq!(
            key("const P = 'user:'; `${P}${id}`;"),
            KeyValue::Prefix("user:".into())
        );
        assert_eq!(
            key("const P = 'user'; P + ':' + id;"),
            KeyValue::Prefix("user:".into())
        );
        assert_eq!(
            key("const K = `a` + 'b'; K;"),
            KeyValue::Static("ab".into())
        );
        assert_eq!(key("(('x') as string);"), KeyValue::Static("x".into()));
        assert_eq!(key("id + ':x';"), KeyValue::Unknown);
    }

    #[test]
    fn numbers() {
        let n = |src: &str| {
            let (c, e) = setup(src);
            number(e, &c)
        };
        assert_eq!(n("-5;"), Some(-5.0));
        assert_eq!(n("60 * 0.5;"), Some(30.0));
        assert_eq!(n("const T = 10; const U = T * 2; U;"), Some(20.0));
        assert_eq!(n("x * 2;"), None);
    }

    #[test]
    fn milliseconds() {
        let ms = |src: &str| {
            let (c, e) = setup(src);
            uses_milliseconds_now(e, &c)
        };
        assert!(ms("Date.now() + 60;"));
        assert!(ms("const now = Date.now(); now + 3600;"));
        assert!(!ms("Math.floor(Date.now() / 1000) + 60;"));
        assert!(!ms("const s = Date.now() / 1000; s + 60;"));
        assert!(ms("Math.floor(Date.now() + 60);"));
    }

    #[test]
    fn key_patterns() {
        let st = |s: &str| KeyValue::Static(s.into());
        let pre = |s: &str| KeyValue::Prefix(s.into());
        assert!(key_matches("oauth:*", &st("oauth:facebook:app_token")));
        assert!(!key_matches("oauth:*", &st("fb_app_access_token")));
        assert!(key_matches("*_session:*", &pre("spotify_session:")));
        assert!(!key_matches("*_session:*", &pre("settings:")));
        assert!(key_matches("session:*", &pre("session:user:")));
        assert!(!key_matches("session:*:x", &pre("session:")));
        assert!(key_matches("a*b*c", &st("a-b-b-c")));
        assert!(!key_matches("*", &KeyValue::Unknown));
    }
}
