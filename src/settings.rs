//! One place that gives a file what it is linted with: the nearest `kvlint.toml` (with its
//! overrides for the file), the bindings of the wrangler config and the `[bindings]` table,
//! the project's `.d.ts` Env types, and what the modules the file imports export. `check`,
//! `debug bindings` and the language server all ask it; each keeps its caches for a run (or,
//! in the server, until a config file changes).

use std::path::Path;
use std::sync::Arc;

use crate::config::{Config, ConfigError, ConfigResolver};
use crate::parse::{is_declaration_file, Lang};
use crate::semantic::bindings::{BindingKind, BindingSource, Bindings};
use crate::semantic::project::{Imports, ProjectResolver};
use crate::semantic::wrangler::WranglerResolver;
use crate::{FileSettings, Selection};

/// The caches of configuration and project knowledge.
pub struct Resolvers {
    pub configs: ConfigResolver,
    pub wrangler: WranglerResolver,
    pub projects: ProjectResolver,
    /// Whether to use the project index (off only to measure what it costs).
    pub project_index: bool,
}

/// A file's settings.
pub struct Resolved {
    pub config: Arc<Config>,
    pub bindings: Bindings,
    pub imports: Imports,
    /// Whether the file's project runs on the Workers runtime.
    pub workers: bool,
}

impl Resolved {
    /// What the file at `path` is linted with, shown as `label`.
    pub fn file_settings<'a>(
        &'a self,
        label: &'a str,
        path: &Path,
        selection: &'a Selection,
    ) -> FileSettings<'a> {
        FileSettings {
            label,
            lang: Lang::from_path(path).unwrap_or(Lang::TypeScript),
            dts: is_declaration_file(path),
            config: &self.config,
            bindings: &self.bindings,
            selection,
            imports: Some(&self.imports),
            groups: crate::GroupScope::File,
            workers: self.workers,
        }
    }

    /// A hash of everything a file's lint reads besides its text and its path: its
    /// configuration, its bindings, what the modules it imports export, and whether it runs
    /// on Workers. A fact cached from a lint of the same text under the same fingerprint
    /// (in this kvlint version) is what a lint now would find.
    pub fn fingerprint(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        format!("{:?}{:?}", self.config.path, self.config.file).hash(&mut h);
        format!("{:?}", self.bindings).hash(&mut h);
        self.imports.hash_into(&mut h);
        self.workers.hash(&mut h);
        h.finish()
    }

    /// The prefilter (DESIGN §1): whether the file's text can hold a finding.
    pub fn may_hold_finding(&self, text: &str) -> bool {
        crate::may_hold_finding(text, &self.bindings)
            || self.imports.may_hold_finding(text, &self.bindings)
    }
}

impl Resolvers {
    /// Completes a file's imports with the key constants of the modules it imports (once
    /// the prefilter has said the file is linted).
    pub fn add_constants(&self, abs: &Path, resolved: &mut Resolved) {
        if let Some(p) = self
            .project_index
            .then(|| self.projects.for_file(abs))
            .flatten()
        {
            p.read_pending(&mut resolved.imports);
        }
    }

    pub fn new(configs: ConfigResolver) -> Self {
        let listings = Arc::new(crate::fs::Listings::default());
        Resolvers {
            configs,
            wrangler: WranglerResolver::with_listings(listings.clone()),
            projects: ProjectResolver::with_listings(listings),
            project_index: true,
        }
    }

    /// The settings of the file at `abs` (an absolute path) whose text is `text`. With
    /// `constants` false, the imports hold only what the prefilter needs (see
    /// [`Resolvers::add_constants`]).
    pub fn resolve(
        &self,
        abs: &Path,
        text: &str,
        constants: bool,
    ) -> Result<Resolved, ConfigError> {
        let config = self.configs.for_file(abs)?;
        let wrangler = self.wrangler.for_file(abs)?;
        let mut bindings = file_bindings(&config, &wrangler);
        let config = config.for_file(abs);
        let project = if self.project_index {
            self.projects.for_file(abs)
        } else {
            None
        };
        if let Some(p) = &project {
            bindings.merge(p.dts_bindings());
            // Bindings nothing declares (dashboard or Terraform bindings, a commented-out
            // wrangler block) are declared by uses only KV has. Beside declared ones, the
            // project is read for them only when this file calls a KV method on an `env.NAME`
            // that nothing declares: reading and parsing most files of a KV-heavy project on
            // every run is not paid where every name is known.
            let undeclared = || {
                use crate::semantic::evidence::{alias_calls, env_calls};
                env_calls(text).any(|name| bindings.kind(name).is_none())
                    || alias_calls(text)
                        .into_iter()
                        .any(|name| bindings.kind(name).is_none())
            };
            if config.file.bindings.infer != Some(false)
                && (bindings.kv_names().next().is_none() || undeclared())
            {
                bindings.merge(p.inferred_bindings());
            }
        }
        let imports = project
            .as_ref()
            .map(|p| p.imports(abs, text, constants))
            .unwrap_or_default();
        let workers = project.as_ref().is_some_and(|p| p.runs_on_workers());
        Ok(Resolved {
            config,
            bindings,
            imports,
            workers,
        })
    }
}

/// The bindings a file sees: `[bindings]` of its kvlint.toml over its wrangler config.
pub fn file_bindings(config: &Config, wrangler: &Bindings) -> Bindings {
    let mut b = Bindings::default();
    if let Some(path) = &config.path {
        for name in &config.file.bindings.kv {
            b.add(name, BindingKind::Kv, BindingSource::Config(path.clone()));
        }
        for name in &config.file.bindings.durable_objects {
            b.add(
                name,
                BindingKind::DurableObject,
                BindingSource::Config(path.clone()),
            );
        }
    }
    b.merge(wrangler);
    b
}
