//! `kvlint scaffold session-object`: a Durable Object with the KV-compatible session surface
//! that `no-kv-sessions` rewrites to (DESIGN §3), and the configuration that binds it.

use crate::config::SessionMethods;

/// The methods' names when kvlint.toml names none.
pub fn default_methods() -> SessionMethods {
    SessionMethods {
        get: "getSession".into(),
        get_json: "getSessionJson".into(),
        put: "putSession".into(),
        delete: "deleteSession".into(),
    }
}

/// Whether `name` can name a class (an ASCII JavaScript identifier).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// How the project's wrangler config is written, for the snippet that binds the class to
/// follow it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WranglerForm {
    /// No wrangler config found: both forms.
    Unknown,
    /// `wrangler.toml` with `[[durable_objects.bindings]]` tables (or no Durable Object yet).
    TomlTables,
    /// `wrangler.toml` with `[durable_objects]` and an inline `bindings = [...]` list.
    TomlInline,
    /// `wrangler.json` / `wrangler.jsonc`.
    Json,
}

impl WranglerForm {
    /// The form a wrangler config's text uses.
    pub fn of(file_name: &str, text: &str) -> WranglerForm {
        if !file_name.ends_with(".toml") {
            WranglerForm::Json
        } else if !text.contains("[[durable_objects.bindings]]")
            && text.lines().any(|l| l.trim() == "[durable_objects]")
        {
            WranglerForm::TomlInline
        } else {
            WranglerForm::TomlTables
        }
    }
}

/// The lines (without `// `) that bind the class in the config's form.
fn binding_snippet(class: &str, binding: &str, form: WranglerForm) -> String {
    let tables = format!(
        "Bind it in wrangler.toml:\n\n  [[durable_objects.bindings]]\n  name = \"{binding}\"\n  class_name = \"{class}\"\n\n  [[migrations]]\n  tag = \"{class}-v1\"\n  new_sqlite_classes = [\"{class}\"]"
    );
    let inline = format!(
        "Bind it in wrangler.toml, in the `bindings` list under [durable_objects]:\n\n  {{ name = \"{binding}\", class_name = \"{class}\" }},\n\nand in a new migration:\n\n  [[migrations]]\n  tag = \"{class}-v1\"\n  new_sqlite_classes = [\"{class}\"]"
    );
    let json = format!(
        "Bind it in the wrangler config (in its \"durable_objects\" bindings and \"migrations\" lists, if it has them):\n\n  \"durable_objects\": {{ \"bindings\": [{{ \"name\": \"{binding}\", \"class_name\": \"{class}\" }}] }},\n  \"migrations\": [{{ \"tag\": \"{class}-v1\", \"new_sqlite_classes\": [\"{class}\"] }}]"
    );
    match form {
        WranglerForm::TomlTables => tables,
        WranglerForm::TomlInline => inline,
        WranglerForm::Json => json,
        WranglerForm::Unknown => format!("{tables}\n\nor, in wrangler.jsonc:\n\n{}", {
            let body = json.split_once("\n\n").map_or("", |(_, b)| b);
            body.to_string()
        }),
    }
}

/// The session key patterns of a configuration (`session_keys`, else the defaults), each with
/// its prefix when it is a prefix then the id (`session:*` → `session:`): the keys a session
/// id alone names.
pub fn session_prefixes(
    options: &crate::config::NoKvSessionsOptions,
) -> Vec<(String, Option<String>)> {
    let patterns: Vec<String> = match &options.session_keys {
        Some(p) => p.clone(),
        None => crate::rules::DEFAULT_SESSION_KEYS
            .iter()
            .map(|p| p.to_string())
            .collect(),
    };
    patterns
        .into_iter()
        .map(|p| {
            let head = prefix_then_id(&p).map(str::to_string);
            (p, head)
        })
        .collect()
}

/// The prefix of a session pattern that is a prefix then the id (`session:*` → `session:`).
pub fn prefix_then_id(pattern: &str) -> Option<&str> {
    pattern
        .strip_suffix('*')
        .filter(|head| !head.is_empty() && !head.contains('*'))
}

/// Where sessions were kept in KV before they move to the object: the KV binding and the key
/// prefixes whose rest is the session id (`session:` for `session:*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvSource {
    pub binding: String,
    pub prefixes: Vec<String>,
}

/// The parts of the class that read sessions from KV once (none without a source).
struct KvParts {
    header: String,
    fields: String,
    column: &'static str,
    on_miss: &'static str,
    on_put: &'static str,
    on_delete: &'static str,
    methods: String,
}

fn kv_parts(kv: Option<&KvSource>) -> KvParts {
    let Some(kv) = kv else {
        return KvParts {
            header: String::new(),
            fields: String::new(),
            column: "",
            on_miss: "return null;",
            on_put: "",
            on_delete: "",
            methods: String::new(),
        };
    };
    let prefixes: Vec<String> = kv.prefixes.iter().map(|p| format!("{p:?}")).collect();
    KvParts {
        header: format!(
            "Sessions stored in KV before the move ({} under {}) are read from there the first time the object is asked for them, and kept here; a write or a delete here deletes the KV copy, so it never comes back. Once `kvlint migrate-data` has deleted the KV sessions (--delete-sessions), set KV_BINDING to '' to skip those reads.",
            kv.binding,
            kv.prefixes.iter().map(|p| format!("`{p}<id>`")).collect::<Vec<_>>().join(", ")
        ),
        fields: format!(
            "\n/** The KV binding sessions were kept in before the move ('' once they are all here). */\nconst KV_BINDING: string = {:?};\n/** Their keys in KV: one of these prefixes, then the session id. */\nconst KV_PREFIXES: string[] = [{}];\n\n/** What this class uses of that namespace (a `KVNamespace` has it). */\ninterface SessionsInKv {{\n  get(key: string): Promise<string | null>;\n  list(options: {{ prefix: string; limit: number }}): Promise<{{ keys: {{ name: string; expiration?: number }}[] }}>;\n  delete(key: string): Promise<void>;\n}}\n",
            kv.binding,
            prefixes.join(", ")
        ),
        column: ", kv_copy INTEGER NOT NULL DEFAULT 0",
        on_miss: "return this.fromKv(id);",
        on_put: "\n    await this.dropKvCopy(id, kvCopy);",
        on_delete: "\n    await this.dropKvCopy(id, kvCopy);",
        methods: r#"
  /**
   * The KV namespace the sessions were kept in. Typed by what this class does with it, not as
   * `KVNamespace`: these reads are the move's own, not session calls of the Worker's code
   * that kvlint should move.
   */
  private kv(): SessionsInKv | undefined {
    return KV_BINDING === '' ? undefined : (this.env as Record<string, SessionsInKv | undefined>)[KV_BINDING];
  }

  /** A session stored in KV before the move: read once, with its expiration, and kept here. */
  private async fromKv(id: string): Promise<string | null> {
    const kv = this.kv();
    if (kv === undefined) {
      return null;
    }
    for (const prefix of KV_PREFIXES) {
      const key = prefix + id;
      const value = await kv.get(key);
      if (value === null) {
        continue;
      }
      const listed = (await kv.list({ prefix: key, limit: 1 })).keys[0];
      const expiration = listed !== undefined && listed.name === key ? (listed.expiration ?? null) : null;
      this.ctx.storage.sql.exec(
        'INSERT OR REPLACE INTO sessions (id, value, expiration, kv_copy) VALUES (?, ?, ?, 1)',
        id,
        value,
        expiration,
      );
      if (expiration !== null) {
        await this.scheduleCleanup(expiration);
      }
      return value;
    }
    return null;
  }

  /** Whether a session's KV copy may still exist: it is not here yet, or was read from KV. */
  private kvCopyOf(id: string): boolean {
    const row = this.ctx.storage.sql
      .exec<{ kv_copy: number }>('SELECT kv_copy FROM sessions WHERE id = ?', id)
      .toArray()[0];
    return row === undefined || row.kv_copy === 1;
  }

  /** Deletes the KV copy of a session this object now owns (written or deleted here). */
  private async dropKvCopy(id: string, kvCopy: boolean): Promise<void> {
    const kv = this.kv();
    if (kv === undefined || !kvCopy) {
      return;
    }
    await Promise.all(KV_PREFIXES.map((prefix) => kv.delete(prefix + id)));
  }
"#
        .to_string(),
    }
}

/// The TypeScript module: the notes, the wrangler and kvlint configuration in a comment,
/// then the class. With `kv`, sessions still in KV are read from there once.
pub fn session_object(
    class: &str,
    binding: &str,
    m: &SessionMethods,
    form: WranglerForm,
    notes: &[String],
    kv: Option<&KvSource>,
) -> String {
    let (get, get_json, put, delete) = (&m.get, &m.get_json, &m.put, &m.delete);
    let KvParts {
        header: kv_header,
        fields: kv_fields,
        column: kv_column,
        on_miss: kv_on_miss,
        on_put: kv_on_put,
        on_delete: kv_on_delete,
        methods: kv_methods,
    } = kv_parts(kv);
    let note_put = if kv.is_some() {
        "\n    const kvCopy = this.kvCopyOf(id);"
    } else {
        ""
    };
    let comment = |text: &str| -> String {
        text.lines()
            .map(|l| {
                if l.is_empty() {
                    "//\n".to_string()
                } else {
                    format!("// {l}\n")
                }
            })
            .collect()
    };
    let notes: String = notes
        .iter()
        .map(|n| {
            comment(&format!(
                "{}\n\n",
                textwrap::fill(&format!("Note: {n}"), 88)
            ))
        })
        .collect();
    let bind = comment(&binding_snippet(class, binding, form));
    let kv_header = if kv_header.is_empty() {
        kv_header
    } else {
        format!("//\n{}", comment(&textwrap::fill(&kv_header, 88)))
    };
    format!(
        r#"// A Durable Object that keeps sessions, one object per session id, with the surface of
// Workers KV's get/put/delete (written by `kvlint scaffold session-object`). Strongly
// consistent: a session written is read back at once, everywhere.
{kv_header}//
{notes}{bind}//
// export it from the Worker's main module (`export {{ {class} }} from './{class}';`), type the
// binding (`{binding}: DurableObjectNamespace<{class}>;` in Env), and let kvlint move the KV
// session calls to it (`kvlint check --fix --unsafe-fixes`) with this in kvlint.toml:
//
//   [rules.no-kv-sessions]
//   durable_object = "{binding}"
//   methods = {{ get = "{get}", get_json = "{get_json}", put = "{put}", delete = "{delete}" }}

import {{ DurableObject }} from 'cloudflare:workers';

/** What `{put}` takes: KV's expiration options. */
export interface SessionPutOptions {{
  /** When the session expires, in seconds since the epoch. */
  expiration?: number;
  /** How long the session lives, in seconds (60 or more, as in KV). */
  expirationTtl?: number;
}}

/** The smallest TTL KV accepts, in seconds; kept so that rewritten calls behave alike. */
const MIN_TTL = 60;
{kv_fields}
export class {class} extends DurableObject<unknown> {{
  constructor(ctx: DurableObjectState, env: unknown) {{
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, value TEXT NOT NULL, expiration INTEGER{kv_column})',
    );
  }}

  /** The session's value, or `null` when there is none or it has expired (as KV's `get`). */
  async {get}(id: string): Promise<string | null> {{
    const row = this.ctx.storage.sql
      .exec<{{ value: string; expiration: number | null }}>(
        'SELECT value, expiration FROM sessions WHERE id = ?',
        id,
      )
      .toArray()[0];
    if (row === undefined) {{
      {kv_on_miss}
    }}
    if (row.expiration !== null && row.expiration <= Date.now() / 1000) {{
      this.ctx.storage.sql.exec('DELETE FROM sessions WHERE id = ?', id);
      return null;
    }}
    return row.value;
  }}

  /** The session's value parsed as JSON, or `null` (as KV's `get(key, 'json')`). */
  async {get_json}(id: string): Promise<unknown> {{
    const value = await this.{get}(id);
    return value === null ? null : JSON.parse(value);
  }}

  /** Stores the session's value, with an optional expiration (as KV's `put`). */
  async {put}(id: string, value: string, options?: SessionPutOptions): Promise<void> {{{note_put}
    const now = Date.now() / 1000;
    let expiration: number | null = null;
    if (options?.expiration !== undefined) {{
      if (options.expiration < now + MIN_TTL) {{
        throw new Error(
          `Invalid expiration of ${{options.expiration}}. Expiration times must be at least ${{MIN_TTL}} seconds in the future.`,
        );
      }}
      expiration = options.expiration;
    }} else if (options?.expirationTtl !== undefined) {{
      if (options.expirationTtl < MIN_TTL) {{
        throw new Error(
          `Invalid expiration_ttl of ${{options.expirationTtl}}. Expiration TTL must be at least ${{MIN_TTL}}.`,
        );
      }}
      expiration = Math.floor(now) + options.expirationTtl;
    }}
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO sessions (id, value, expiration) VALUES (?, ?, ?)',
      id,
      value,
      expiration,
    );{kv_on_put}
    if (expiration !== null) {{
      await this.scheduleCleanup(expiration);
    }}
  }}

  /** Deletes the session (as KV's `delete`). */
  async {delete}(id: string): Promise<void> {{{note_put}
    this.ctx.storage.sql.exec('DELETE FROM sessions WHERE id = ?', id);{kv_on_delete}
  }}

  /** Deletes what has expired, and wakes up again at the next expiration. */
  async alarm(): Promise<void> {{
    this.ctx.storage.sql.exec(
      'DELETE FROM sessions WHERE expiration IS NOT NULL AND expiration <= ?',
      Date.now() / 1000,
    );
    const next = this.ctx.storage.sql
      .exec<{{ next: number | null }}>('SELECT MIN(expiration) AS next FROM sessions')
      .one().next;
    if (next !== null) {{
      await this.ctx.storage.setAlarm(next * 1000);
    }}
  }}

  private async scheduleCleanup(expiration: number): Promise<void> {{
    const current = await this.ctx.storage.getAlarm();
    if (current === null || expiration * 1000 < current) {{
      await this.ctx.storage.setAlarm(expiration * 1000);
    }}
  }}
{kv_methods}}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parses, Lang};

    #[test]
    fn the_scaffold_parses_and_uses_the_names_given() {
        let methods = SessionMethods {
            get: "getText".into(),
            get_json: "getJson".into(),
            put: "putText".into(),
            delete: "drop".into(),
        };
        let text = session_object(
            "Sessions",
            "SESSION_DO",
            &methods,
            WranglerForm::Unknown,
            &[],
            None,
        );
        assert!(parses(&text, Lang::TypeScript));
        for needle in [
            "export class Sessions extends DurableObject<unknown>",
            "async getText(id: string): Promise<string | null>",
            "async getJson(id: string): Promise<unknown>",
            "async putText(id: string, value: string, options?: SessionPutOptions): Promise<void>",
            "async drop(id: string): Promise<void>",
            "name = \"SESSION_DO\"",
            "\"class_name\": \"Sessions\"",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        assert!(is_identifier("Sessions") && !is_identifier("1x") && !is_identifier("a-b"));
        assert!(!text.contains("KV_BINDING"), "no KV read without a source");
    }

    #[test]
    fn with_a_kv_source_the_object_reads_sessions_still_in_kv_once() {
        let kv = KvSource {
            binding: "SESSIONS".into(),
            prefixes: vec!["session:".into(), "sess:".into()],
        };
        let text = session_object(
            "Sessions",
            "SESSION_DO",
            &default_methods(),
            WranglerForm::TomlTables,
            &[],
            Some(&kv),
        );
        assert!(parses(&text, Lang::TypeScript));
        for needle in [
            "const KV_BINDING: string = \"SESSIONS\";",
            "const KV_PREFIXES: string[] = [\"session:\", \"sess:\"];",
            "return this.fromKv(id);",
            "expiration INTEGER, kv_copy INTEGER NOT NULL DEFAULT 0)",
            "const kvCopy = this.kvCopyOf(id);",
            "await this.dropKvCopy(id, kvCopy);",
            "(SESSIONS under `session:<id>`, `sess:<id>`)",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        // The reads are typed by what they use: kvlint does not take them for the Worker's
        // session calls.
        assert!(!text.contains("KVNamespace |"));
    }
}
