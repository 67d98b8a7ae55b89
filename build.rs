//! Build steps Cargo cannot infer:
//! - rebuilds the crate when a migration is added or changed: `sqlx::migrate!`
//!   embeds the `migrations/` folders at compile time, and Cargo does not
//!   track them by itself;
//! - writes the table of storage functions (`storage_operations.rs` in
//!   `OUT_DIR`): each `fn` of `src/storage/` with its file and first line. A
//!   storage error records the source location of its `?`
//!   (`#[track_caller]`), and this table names the function that location is
//!   in (see `src/storage/operation.rs`), so a Sentry event can say which
//!   storage operation failed without any storage function saying so itself.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=src/storage");
    let mut entries = Vec::new();
    collect(Path::new("src/storage"), &mut entries);
    entries.sort();
    let mut table = String::from("&[\n");
    for (file, line, name) in entries {
        writeln!(table, "    ({file:?}, {line}, {name:?}),").unwrap();
    }
    table.push(']');
    let out = std::env::var("OUT_DIR").expect("Cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("storage_operations.rs"), table)
        .expect("the storage operation table is written");
}

/// Every `fn` in the Rust files under `dir`: (file as the compiler names it,
/// line, `module::function`).
fn collect(dir: &Path, entries: &mut Vec<(String, u32, String)>) {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("src/storage is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, entries);
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let module = module_path(&path);
        let source = std::fs::read_to_string(&path).expect("a storage source file");
        let file = path.to_str().expect("UTF-8 paths").replace('\\', "/");
        for (index, line) in source.lines().enumerate() {
            if let Some(name) = function_name(line) {
                let qualified = if module.is_empty() {
                    name.to_string()
                } else {
                    format!("{module}::{name}")
                };
                entries.push((file.clone(), index as u32 + 1, qualified));
            }
        }
    }
}

/// `src/storage/runs/bookkeeping.rs` -> `runs::bookkeeping`; `mod.rs` is its folder.
fn module_path(path: &Path) -> String {
    let relative = path.strip_prefix("src/storage").expect("under src/storage");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The name of the function a line declares (`pub(crate) async fn load(` -> `load`).
fn function_name(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    if rest.starts_with("//") {
        return None;
    }
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(scoped) => scoped.split_once(')')?.1,
            None => after,
        }
        .trim_start();
    }
    for qualifier in ["const ", "async ", "unsafe "] {
        if let Some(after) = rest.strip_prefix(qualifier) {
            rest = after.trim_start();
        }
    }
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    (end > 0).then(|| &rest[..end])
}
