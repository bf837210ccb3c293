//! The code a report is compared with: a git revision, read with `git archive` into a
//! temporary folder (the working tree and the index are not touched), or the code as
//! kvlint's fixes leave it, fixed in a temporary copy (the user's files are not written).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{build, resolvers_for, Report};

/// The git work tree `dir` is in.
fn toplevel(dir: &Path) -> Option<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?;
    std::fs::canonicalize(s.trim()).ok()
}

/// `paths` (relative to `cwd`) as the same paths under `into` (a copy of `top`).
fn moved(paths: &[PathBuf], cwd: &Path, top: &Path, into: &Path) -> Result<Vec<PathBuf>, String> {
    paths
        .iter()
        .map(|p| {
            let abs = crate::groups::project::canonical(&crate::fs::absolute(cwd, p));
            let rel = abs.strip_prefix(top).map_err(|_| {
                format!(
                    "{} is outside the git work tree at {}",
                    p.display(),
                    top.display()
                )
            })?;
            Ok(into.join(rel))
        })
        .collect()
}

/// The report of the code at git revision `rev`, for the same paths.
pub fn at_revision(
    rev: &str,
    paths: &[PathBuf],
    cwd: &Path,
    config: Option<&Path>,
) -> Result<Report, String> {
    let cwd = crate::groups::project::canonical(cwd);
    let top = toplevel(&cwd).ok_or_else(|| {
        format!(
            "--base needs a git work tree, and {} is not in one",
            cwd.display()
        )
    })?;
    let tmp = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
    let dir = crate::groups::project::canonical(tmp.path());
    let mut git = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["archive", "--format=tar", rev])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git: {e}"))?;
    let archive = git.stdout.take().expect("piped");
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(&dir)
        .stdin(archive)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("tar: {e}"))?;
    let git = git.wait_with_output().map_err(|e| format!("git: {e}"))?;
    if !git.status.success() {
        return Err(format!(
            "git archive {rev}: {}",
            String::from_utf8_lossy(&git.stderr).trim()
        ));
    }
    if !tar.status.success() {
        return Err(format!(
            "tar: {}",
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    let new_cwd = dir.join(cwd.strip_prefix(&top).unwrap_or(Path::new("")));
    // Paths that the revision does not have give no entries.
    let mapped: Vec<PathBuf> = moved(paths, &cwd, &top, &dir)?
        .into_iter()
        .filter(|p| p.exists())
        .collect();
    let config = config
        .map(|c| moved(&[c.to_path_buf()], &cwd, &top, &dir).map(|mut v| v.remove(0)))
        .transpose()?;
    if mapped.is_empty() {
        return Ok(Report::default());
    }
    let resolvers = resolvers_for(config.as_deref());
    let none = |_: &Path| None;
    build(&mapped, &resolvers, &new_cwd, &none, false)
}

/// The report of the code as `kvlint check --fix` (with `unsafe_fixes`, `--unsafe-fixes`)
/// would leave it, fixed in a copy of the work tree (or of `cwd` outside git).
pub fn after_fix(
    paths: &[PathBuf],
    cwd: &Path,
    config: Option<&Path>,
    unsafe_fixes: bool,
) -> Result<Report, String> {
    let cwd = crate::groups::project::canonical(cwd);
    let top = toplevel(&cwd).unwrap_or_else(|| cwd.clone());
    let tmp = tempfile::tempdir().map_err(|e| format!("a temporary folder: {e}"))?;
    let dir = crate::groups::project::canonical(tmp.path());
    copy_tree(&top, &dir)?;
    let mapped = moved(paths, &cwd, &top, &dir)?;
    let config = config
        .map(|c| moved(&[c.to_path_buf()], &cwd, &top, &dir).map(|mut v| v.remove(0)))
        .transpose()?;
    let args = crate::cli::CheckArgs {
        paths: mapped.clone(),
        fix: true,
        unsafe_fixes,
        format: Some(crate::cli::Format::Compact),
        output_file: Some(dir.join(".kvlint-fix-output")),
        config: config.clone(),
        silent: true,
        ..Default::default()
    };
    if crate::check::run(&args) == 2 {
        let said = std::fs::read_to_string(dir.join(".kvlint-fix-output")).unwrap_or_default();
        return Err(format!(
            "the fixes could not be applied, so there is no \"after\" to report: {}",
            said.trim()
        ));
    }
    let new_cwd = dir.join(cwd.strip_prefix(&top).unwrap_or(Path::new("")));
    let resolvers = resolvers_for(config.as_deref());
    let none = |_: &Path| None;
    build(&mapped, &resolvers, &new_cwd, &none, false)
}

/// The largest file copied for `--after-fix`.
const MAX_COPIED_BYTES: u64 = 8 * 1024 * 1024;

/// Copies the files kvlint would walk under `from` (ignored files, hidden folders and
/// `node_modules` left out; configuration files kept) into `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let mut walker = crate::fs::walker(from);
    walker.hidden(false).filter_entry(|e| {
        let name = e.file_name();
        name != "node_modules" && name != ".git"
    });
    for entry in walker.build() {
        let entry = entry.map_err(|e| e.to_string())?;
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if !kind.is_file() {
            continue;
        }
        let path = entry.path();
        if entry.metadata().map(|m| m.len()).unwrap_or(0) > MAX_COPIED_BYTES {
            continue;
        }
        let rel = path.strip_prefix(from).map_err(|e| e.to_string())?;
        let target = to.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(path, &target).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
