//! One typed error for every unusable setting, each naming its setting.

use std::fmt;

/// One unusable setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The environment variable or configuration-file key (`LUMITALK_ADDR`,
    /// `LUMITALK_CONFIG merchants[0] (acme).numbers`).
    pub setting: String,
    /// What is wrong with it, and what would do.
    pub problem: String,
}

impl fmt::Display for SettingProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.problem)
    }
}

/// Settings that could not be used: every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// One entry per problem, in the order found.
    pub problems: Vec<SettingProblem>,
}

impl SettingsError {
    /// Whether `setting` is among the problems.
    pub fn names(&self, setting: &str) -> bool {
        self.problems.iter().any(|p| p.setting == setting)
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration: ")?;
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

/// Collects problems while settings are read.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub(crate) Vec<SettingProblem>);

impl Problems {
    pub(crate) fn add(&mut self, setting: impl Into<String>, problem: impl Into<String>) {
        self.0.push(SettingProblem {
            setting: setting.into(),
            problem: problem.into(),
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, SettingsError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(SettingsError { problems: self.0 })
        }
    }
}
