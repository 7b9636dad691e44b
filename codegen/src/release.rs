//! The text edits of a client release that follow from a change report: the crate's new version in
//! the manifests (with `toml_edit`, which keeps every comment and layout), the bump both verdicts agree
//! on, and the CHANGELOG entry. Pure functions over file contents; `cargo xtask update` writes the
//! results.

use crate::compare::{Bump, Change, Class, Report};

/// The client crate's package name, as its manifest and the workspace dependency table spell it.
pub const CLIENT_PACKAGE: &str = "waldur-course-accounts";

fn manifest(text: &str) -> Result<toml_edit::DocumentMut, String> {
    text.parse::<toml_edit::DocumentMut>().map_err(|e| format!("not TOML: {e}"))
}

/// The `[package]` version of a manifest, if it has one.
pub fn package_version(text: &str) -> Option<String> {
    manifest(text).ok()?.get("package")?.get("version")?.as_str().map(str::to_string)
}

/// `text` (a `Cargo.toml`) with the `version` of its `[package]` table set to `version`.
pub fn set_package_version(text: &str, version: &str) -> Result<String, String> {
    let mut doc = manifest(text)?;
    let package = doc.get_mut("package").and_then(|p| p.as_table_like_mut()).ok_or("no [package] table")?;
    let old = package.get_mut("version").ok_or("no `version` in its [package] table")?;
    let decor = old.as_value().map(|v| v.decor().clone());
    *old = toml_edit::value(version);
    if let (Some(decor), Some(new)) = (decor, old.as_value_mut()) {
        *new.decor_mut() = decor;
    }
    Ok(doc.to_string())
}

/// `text` (the workspace `Cargo.toml`) with the version requirement of `package` in
/// `[workspace.dependencies]` set to `version`'s `major.minor.patch` (build metadata is not part of a
/// requirement).
pub fn set_workspace_dependency_version(text: &str, package: &str, version: &str) -> Result<String, String> {
    let core = version.split('+').next().unwrap_or(version);
    let mut doc = manifest(text)?;
    let dependency = doc
        .get_mut("workspace")
        .and_then(|w| w.get_mut("dependencies"))
        .and_then(|d| d.get_mut(package))
        .and_then(|d| d.as_table_like_mut())
        .ok_or_else(|| format!("no `{package} = {{ ... }}` in [workspace.dependencies]"))?;
    let requirement = dependency.get_mut("version").ok_or_else(|| format!("`{package}` has no version"))?;
    let decor = requirement.as_value().map(|v| v.decor().clone());
    *requirement = toml_edit::value(core);
    if let (Some(decor), Some(new)) = (decor, requirement.as_value_mut()) {
        *new.decor_mut() = decor;
    }
    Ok(doc.to_string())
}

/// Whether `old → new` is a breaking release by Cargo's rules (below 1.0 the minor number breaks);
/// `None` when either is not a version.
pub fn is_breaking_release(old: &str, new: &str) -> Option<bool> {
    semver::Version::parse(old).ok()?;
    let new = semver::Version::parse(new).ok()?;
    // The rule lives in `Bump::next`: breaking means reaching the first version a major bump gives.
    let first_breaking = semver::Version::parse(&Bump::Major.next(old)).ok()?;
    Some((new.major, new.minor) >= (first_breaking.major, first_breaking.minor))
}

/// Where the version bump of a release comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// cargo-semver-checks ran on the regenerated crate: `crate_level` is `Major` when it found a
    /// change that needs one (`lints` names them), else `Minor` (it judges no finer than that here).
    Checked { schema: Bump, crate_level: Bump, lints: Vec<String> },
    /// cargo-semver-checks is not installed: the schema report's bump alone.
    SchemaOnly { schema: Bump },
}

impl Verdict {
    /// The bump applied: the larger of the two when both were asked (neither may understate).
    pub fn bump(&self) -> Bump {
        match self {
            Verdict::Checked { schema, crate_level, .. } => (*schema).max(*crate_level),
            Verdict::SchemaOnly { schema } => *schema,
        }
    }

    /// One sentence saying which verdicts there were and why the bump is what it is.
    pub fn explain(&self) -> String {
        match self {
            Verdict::Checked { schema, crate_level, lints } => {
                let lints = if lints.is_empty() { String::new() } else { format!(" ({})", lints.join(", ")) };
                let crate_said = if *crate_level == Bump::Major {
                    format!("cargo-semver-checks on the regenerated crate: major{lints}")
                } else {
                    "cargo-semver-checks on the regenerated crate: nothing that needs a major release".to_string()
                };
                let why = match (schema, crate_level) {
                    (Bump::Major, Bump::Major) => "both say major".to_string(),
                    (Bump::Major, _) => "the schema report says major: a change the Rust API check cannot see (a wire \
                                         change) still breaks callers"
                        .to_string(),
                    (_, Bump::Major) => {
                        "cargo-semver-checks found a breaking change the schema report missed".to_string()
                    }
                    (schema, _) => format!("they agree: {}", schema.as_str()),
                };
                format!(
                    "schema report: {}; {crate_said}; {} release because {why}",
                    schema.as_str(),
                    self.bump().as_str()
                )
            }
            Verdict::SchemaOnly { schema } => format!(
                "schema report: {}; cargo-semver-checks is not installed, so the crate was not checked: the schema \
                 report's verdict alone ({})",
                schema.as_str(),
                schema.as_str()
            ),
        }
    }
}

/// The version decision of a release: the checks of the regenerated crate ([`Verdict`]) and the
/// hand-written notes collected under `## [Unreleased]` since the last release. A note marked
/// `**Breaking:**` (a hand-written API that changed shape) needs a major release whatever the schema
/// did: the crate-level check compares with `HEAD`, which already holds those changes, and the schema
/// report cannot see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// How many `[Unreleased]` notes are marked `**Breaking:**`.
    pub breaking_notes: usize,
}

impl Decision {
    /// The bump applied: the checks', or major when a note says something broke.
    pub fn bump(&self) -> Bump {
        if self.breaking_notes > 0 { Bump::Major } else { self.verdict.bump() }
    }

    /// [`Verdict::explain`], and the notes when they decide.
    pub fn explain(&self) -> String {
        let checks = self.verdict.explain();
        if self.breaking_notes == 0 || self.verdict.bump() == Bump::Major {
            return checks;
        }
        format!(
            "{checks}; but the CHANGELOG's [Unreleased] notes hold {} breaking change(s) of the hand-written API \
             since the last release, so a major release",
            self.breaking_notes
        )
    }
}

/// The `## [Unreleased]` notes of `changelog` marked `**Breaking:**`, counted.
pub fn breaking_notes(changelog: &str) -> usize {
    unreleased(changelog).map_or(0, |(start, end)| changelog[start..end].matches("**Breaking:**").count())
}

/// Where the `## [Unreleased]` section's body starts and ends.
fn unreleased(changelog: &str) -> Option<(usize, usize)> {
    let start = changelog.find(UNRELEASED)?;
    let body_start = changelog[start..].find('\n').map(|i| start + i + 1).unwrap_or(changelog.len());
    let body_end = changelog[body_start..].find("\n## [").map(|i| body_start + i + 1).unwrap_or(changelog.len());
    Some((body_start, body_end))
}

const UNRELEASED: &str = "## [Unreleased]";

/// The CHANGELOG entry of a schema release, from its change report: Keep a Changelog's Added /
/// Changed / Removed, breaking changes marked, and a pointer to the whole report.
pub fn changelog_entry(report: &Report, verdict: &Decision, version: &str, date: &str, report_path: &str) -> String {
    let mut out = format!("## [{version}] - {date}\n\n");
    out.push_str(&format!(
        "Generated from Waldur {}'s schema (was {}): a {} release. The whole change report is \
         `{report_path}`.\n\nVersion: {}.\n",
        report.to,
        report.from,
        verdict.bump().as_str(),
        verdict.explain()
    ));
    if !report.fixed_upstream.is_empty() {
        let names: Vec<String> = report.fixed_upstream.iter().map(|n| format!("`{n}`")).collect();
        out.push_str(&format!(
            "\nFixed upstream in Waldur {} (the fixups step aside; the crate's types stay as they were): {}.\n",
            report.to,
            names.join(", ")
        ));
    }
    let group = |change: &Change| {
        let kind = change.kind.as_str();
        if kind.ends_with("_added") {
            "Added"
        } else if kind.ends_with("_removed") {
            "Removed"
        } else {
            "Changed"
        }
    };
    for heading in ["Added", "Changed", "Removed"] {
        let lines: Vec<String> = report
            .changes
            .iter()
            .filter(|c| group(c) == heading)
            .map(|c| {
                let mark = if c.class() == Class::Breaking { "**Breaking:** " } else { "" };
                format!("- {mark}{}: {}\n", c.location, c.detail)
            })
            .collect();
        if !lines.is_empty() {
            out.push_str(&format!("\n### {heading} (schema)\n"));
            lines.iter().for_each(|l| out.push_str(l));
        }
    }
    out
}

/// `changelog` with `entry` as its newest release. What the `[Unreleased]` section held (hand-written
/// notes of this release) moves under the entry, and `[Unreleased]` is left empty.
pub fn insert_entry(changelog: &str, entry: &str) -> Result<String, String> {
    let (body_start, body_end) = unreleased(changelog).ok_or("no `## [Unreleased]` heading")?;
    let start = changelog.find(UNRELEASED).unwrap_or_default();
    let notes = changelog[body_start..body_end].trim();
    let mut out = String::from(&changelog[..start]);
    out.push_str(UNRELEASED);
    out.push_str("\n\n");
    out.push_str(entry);
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(notes);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&changelog[body_end..]);
    Ok(out)
}

/// Today's date (UTC), `YYYY-MM-DD`, for the CHANGELOG entry.
pub fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_version_only_in_the_package_table() {
        let text =
            "[package]\nname = \"x\"\nversion = \"0.1.0+waldur.7.8.7\" # kept\n\n[dependencies]\nversion = \"1\"\n";
        let out = set_package_version(text, "0.2.0+waldur.8.1.2").unwrap();
        assert_eq!(out, text.replace("0.1.0+waldur.7.8.7", "0.2.0+waldur.8.1.2"));
        assert_eq!(package_version(&out).as_deref(), Some("0.2.0+waldur.8.1.2"));
        assert!(set_package_version("[dependencies]\nversion = \"1\"\n", "2").is_err());
    }

    #[test]
    fn workspace_requirement_drops_build_metadata() {
        let text =
            "[workspace.dependencies]\nwaldur-course-accounts = { path = \"generated-client\", version = \"0.1.0\" }\n";
        let out = set_workspace_dependency_version(text, CLIENT_PACKAGE, "0.2.0+waldur.8.1.2").unwrap();
        assert!(out.contains("version = \"0.2.0\" }"), "{out}");
        assert!(set_workspace_dependency_version("[x]\n", CLIENT_PACKAGE, "1.0.0").is_err());
    }

    #[test]
    fn the_unreleased_notes_move_under_the_new_entry() {
        let log = "# Changelog\n\nintro\n\n## [Unreleased]\n\n### Added\n- a thing\n\n## [0.1.0]\n\nfirst\n";
        let out = insert_entry(log, "## [0.2.0] - 2026-11-30\n\nschema\n").unwrap();
        assert_eq!(
            out,
            "# Changelog\n\nintro\n\n## [Unreleased]\n\n## [0.2.0] - 2026-11-30\n\nschema\n\n### Added\n- a thing\n\n## [0.1.0]\n\nfirst\n"
        );
    }
}

#[cfg(test)]
mod verdict_tests {
    use super::*;

    #[test]
    fn the_bump_is_the_larger_of_the_two_and_says_why() {
        let both = Verdict::Checked { schema: Bump::Minor, crate_level: Bump::Minor, lints: vec![] };
        assert_eq!(both.bump(), Bump::Minor);
        assert!(both.explain().contains("they agree: minor"), "{}", both.explain());
        let crate_found = Verdict::Checked {
            schema: Bump::Minor,
            crate_level: Bump::Major,
            lints: vec!["enum_variant_added".into()],
        };
        assert_eq!(crate_found.bump(), Bump::Major);
        assert!(crate_found.explain().contains("major (enum_variant_added)"), "{}", crate_found.explain());
        let alone = Verdict::SchemaOnly { schema: Bump::Major };
        assert!(alone.explain().contains("not installed"), "{}", alone.explain());
        assert_eq!(is_breaking_release("0.2.0+waldur.8.1.2", "0.3.0+waldur.8.1.3"), Some(true));
        assert_eq!(is_breaking_release("0.2.0", "0.2.1"), Some(false));
        assert_eq!(is_breaking_release("1.4.2", "2.0.0"), Some(true));
    }

    #[test]
    fn a_breaking_note_under_unreleased_makes_the_release_major() {
        let log = "# Changelog\n\n## [Unreleased]\n\n- **Breaking:** a\n- b\n- **Breaking:** c\n\n## [0.1.0]\n\n- **Breaking:** old\n";
        assert_eq!(breaking_notes(log), 2, "only the [Unreleased] section counts");
        let checks = Verdict::SchemaOnly { schema: Bump::Minor };
        let decision = Decision { verdict: checks.clone(), breaking_notes: 2 };
        assert_eq!(decision.bump(), Bump::Major);
        assert!(
            decision.explain().contains("hold 2 breaking change(s) of the hand-written API since the last release"),
            "{}",
            decision.explain()
        );
        let quiet = Decision { verdict: checks, breaking_notes: breaking_notes("## [Unreleased]\n\n- b\n") };
        assert_eq!(quiet.bump(), Bump::Minor);
    }
}
