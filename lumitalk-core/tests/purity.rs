//! The conversation is pure by construction: no file under `src/conversation/`
//! names the driver, a provider, a store, the clock, the wrappers, a clock read or
//! an async runtime. Values it shares with them live in `domain`.
//!
//! The scan reads code only (comments and doc comments may link anywhere) and
//! fails naming the file and line of every offence.

use std::fs;
use std::path::{Path, PathBuf};

/// Paths the conversation must not name, with why.
const FORBIDDEN: &[(&str, &str)] = &[
    ("crate::assistant", "the driver"),
    ("crate::provider", "a provider module"),
    ("crate::store", "a store module"),
    ("crate::clock", "the clock"),
    ("crate::wrappers", "the provider wrappers"),
    ("crate::memory", "the in-memory providers"),
    ("crate::testing", "the conformance suites"),
    (
        "lumitalk_core::",
        "the crate by name (a way around `crate::`)",
    ),
    ("std::time::Instant", "a clock read"),
    ("Instant::now", "a clock read"),
    ("SystemTime", "a clock read"),
    (
        "now_from_system",
        "a clock read (time is an input: `handle(now, ..)`)",
    ),
    ("::random(", "randomness (the machine is deterministic)"),
    ("rand::", "randomness (the machine is deterministic)"),
    ("tokio::", "an async runtime"),
    ("async fn", "async code"),
    ("std::thread", "threads"),
    ("std::fs", "file I/O"),
    ("std::net", "network I/O"),
    ("std::env", "the environment"),
];

/// The only top-level modules the conversation may name through `crate::`.
const ALLOWED_CRATE_MODULES: &[&str] = &["conversation", "domain", "error", "reply"];

fn conversation_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/conversation")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`, e.g. `["conversation", "phrases", "en"]`
/// for `src/conversation/phrases/en/mod.rs`.
fn module_path(file: &Path) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = file.strip_prefix(&src).expect("a file under src/");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The line without its comment (string contents are kept: a forbidden path in a
/// string literal is suspicious enough to flag).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::<module>` named on the line.
fn crate_modules(code: &str) -> Vec<&str> {
    code.match_indices("crate::")
        .filter(|(i, _)| {
            // `lumitalk_crate::` or `foocrate::` are other paths; `$crate` is a macro's.
            code[..*i]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'))
        })
        .map(|(i, m)| {
            let rest = &code[i + m.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

/// The longest run of `super::` on the line.
fn super_depth(code: &str) -> usize {
    let mut best = 0;
    for (i, _) in code.match_indices("super::") {
        if i > 0 && code[..i].ends_with("super::") {
            continue;
        }
        let mut rest = &code[i..];
        let mut n = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            n += 1;
        }
        best = best.max(n);
    }
    best
}

fn offences(file: &Path, text: &str) -> Vec<String> {
    let module = module_path(file);
    let name = file.display();
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = code_of(line);
        let at = format!("{name}:{}", n + 1);
        for (needle, why) in FORBIDDEN {
            if code.contains(needle) {
                found.push(format!("{at}: `{needle}` ({why}): {}", line.trim()));
            }
        }
        for m in crate_modules(code) {
            if !ALLOWED_CRATE_MODULES.contains(&m) {
                found.push(format!(
                    "{at}: `crate::{m}` is outside {ALLOWED_CRATE_MODULES:?} (re-exports at the \
                     crate root count too: name the `domain` path): {}",
                    line.trim()
                ));
            }
        }
        // `super::` from `conversation::a::b` may climb two levels, to
        // `conversation`; one more reaches the crate root. (Inline `mod tests`
        // sit one deeper, so this errs on the strict side.)
        let depth = super_depth(code);
        if depth >= module.len() {
            found.push(format!(
                "{at}: {depth} × `super::` from `{}` leaves the conversation: {}",
                module.join("::"),
                line.trim()
            ));
        }
    }
    found
}

#[test]
fn the_conversation_names_no_driver_provider_store_clock_or_runtime() {
    let mut files = Vec::new();
    rust_files(&conversation_dir(), &mut files);
    assert!(
        files.len() > 5,
        "expected the conversation's files, found {files:?}"
    );
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).expect("a readable source file");
        found.extend(offences(file, &text));
    }
    assert!(
        found.is_empty(),
        "the conversation must stay pure (see src/conversation/mod.rs):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scan_catches_what_it_should() {
    let file = conversation_dir().join("phrases/en/pick.rs");
    let bad = "\
use crate::provider::Cacheability;
use crate::Cacheability;
use super::super::super::super::store::CallOutcome;
let t = std::time::Instant::now();
let s = SystemTime::now();
tokio::spawn(async {});
fn f() { lumitalk_core::clock::TokioClock::default(); }
let now = crate::domain::Timestamp::now_from_system();
let id = crate::domain::CallId::random();
";
    let found = offences(&file, bad);
    for line in 1..=9 {
        assert!(
            found
                .iter()
                .any(|f| f.contains(&format!("pick.rs:{line}:"))),
            "line {line} not flagged: {found:#?}"
        );
    }
    let good = "\
use super::super::When; // conversation::phrases::When
use crate::domain::{CallOutcome, Timestamp};
use crate::conversation::summary::OrderBrief;
//! Driven by [`Assistant`](crate::assistant::Assistant) and a `tokio::` runtime.
macro_rules! m { () => { $crate::domain::Timestamp }; }
";
    assert_eq!(offences(&file, good), Vec::<String>::new());
}
