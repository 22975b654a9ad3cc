//! Where settings are read from: the process environment, or a map in tests.

use std::collections::HashMap;

/// A source of settings: the process environment, or a map in tests.
pub trait Env {
    /// The value of a variable, if set and not empty.
    fn get(&self, key: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key)
            .cloned()
            .filter(|v| !v.trim().is_empty())
    }
}

impl Env for HashMap<&str, &str> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key)
            .map(|v| v.to_string())
            .filter(|v| !v.trim().is_empty())
    }
}
