//! What editors are told: every problem with its file, line, what is wrong and how to fix it.
//!
//! Problems are collected, never thrown, so one run shows all of them. Warnings of one kind that recur
//! across a knowledge base (an unsupported directive used 300 times in an imported help center) are
//! folded into one warning that says how often and where it first occurs, so the list stays readable.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// More places than this make a recurring warning a summary.
const SUMMARIZE_OVER: usize = 3;
/// How many places a summary names.
const EXAMPLES_IN_SUMMARY: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Something an editor should fix: where, what, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    /// A stable identifier of the kind of problem, e.g. `broken-link`, for bots and for summaries.
    pub kind: String,
    pub message: String,
    pub fix: String,
    /// For a summary: how many places have this problem (1 otherwise).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub occurrences: usize,
    /// For a summary: further places, as `file:line`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
    /// What makes two warnings "the same" for summaries, e.g. the directive's name; not shown.
    #[serde(skip)]
    pub group: String,
}

fn one() -> usize {
    1
}

fn is_one(count: &usize) -> bool {
    *count == 1
}

impl Problem {
    pub fn error(file: &str, line: usize, kind: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            severity: Severity::Error,
            kind: kind.to_owned(),
            message: message.into(),
            fix: fix.into(),
            occurrences: 1,
            also_at: Vec::new(),
            group: String::new(),
        }
    }

    pub fn warning(file: &str, line: usize, kind: &str, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(file, line, kind, message, fix) }
    }

    /// Marks which warnings are the same problem, for summaries; by default the kind alone.
    pub fn grouped_by(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {severity}[{}]: {}", self.location(), self.kind, self.message)?;
        if self.occurrences > 1 {
            write!(f, " ({} places", self.occurrences)?;
            if !self.also_at.is_empty() {
                write!(f, "; also {}", self.also_at.join(", "))?;
            }
            write!(f, ")")?;
        }
        write!(f, "\n  fix: {}", self.fix)
    }
}

/// Sorts problems by file and line and folds recurring warnings into summaries. Errors are always listed
/// one by one: each of them blocks publishing and must be fixed where it is.
pub fn summarize(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort();
    let mut groups: BTreeMap<(String, String), Vec<Problem>> = BTreeMap::new();
    let mut listed = Vec::new();
    for problem in problems {
        if problem.severity == Severity::Warning {
            groups.entry((problem.kind.clone(), problem.group.clone())).or_default().push(problem);
        } else {
            listed.push(problem);
        }
    }
    for (_, mut group) in groups {
        if group.len() <= SUMMARIZE_OVER {
            listed.extend(group);
            continue;
        }
        let occurrences = group.len();
        let also_at = group[1..].iter().take(EXAMPLES_IN_SUMMARY - 1).map(Problem::location).collect();
        let mut summary = group.swap_remove(0);
        summary.occurrences = occurrences;
        summary.also_at = also_at;
        listed.push(summary);
    }
    listed.sort();
    listed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recurring_warnings_fold_but_errors_do_not() {
        let mut problems: Vec<Problem> = (1..=5)
            .map(|n| {
                Problem::warning(&format!("f{n}.md"), n, "unsupported-directive", "`{% list %}`", "x")
                    .grouped_by("list")
            })
            .collect();
        problems.push(
            Problem::warning("g.md", 1, "unsupported-directive", "`{% changelog %}`", "x").grouped_by("changelog"),
        );
        problems.extend((1..=5).map(|n| Problem::error("e.md", n, "broken-link", "broken", "fix")));
        let summarized = summarize(problems);
        let list = summarized.iter().find(|p| p.group == "list").unwrap();
        assert_eq!((list.occurrences, list.file.as_str()), (5, "f1.md"));
        assert_eq!(list.also_at, ["f2.md:2", "f3.md:3"]);
        assert!(list.to_string().contains("(5 places; also f2.md:2, f3.md:3)"), "{list}");
        assert_eq!(summarized.iter().filter(|p| p.group == "changelog").count(), 1);
        assert_eq!(summarized.iter().filter(|p| p.severity == Severity::Error).count(), 5);
        assert_eq!(summarized.len(), 7);
    }

    #[test]
    fn display_names_file_line_kind_and_fix() {
        let problem = Problem::error("en/a.md", 7, "broken-link", "no article at `b.md`", "link to `c.md`");
        assert_eq!(problem.to_string(), "en/a.md:7: error[broken-link]: no article at `b.md`\n  fix: link to `c.md`");
    }
}
