//! The text edits of a client release that follow from a change report: the crate's new version in
//! the manifests, and the CHANGELOG entry. Pure functions over file contents; `cargo xtask update`
//! writes the results.

use crate::compare::{Change, Class, Report};

/// The client crate's package name, as its manifest and the workspace dependency table spell it.
pub const CLIENT_PACKAGE: &str = "waldur-course-accounts";

/// `text` (a `Cargo.toml`) with the `version` of its `[package]` table set to `version`.
pub fn set_package_version(text: &str, version: &str) -> Result<String, String> {
    let mut section = String::new();
    let mut done = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.to_string();
        }
        if !done && section == "[package]" && trimmed.starts_with("version") && trimmed.contains('=') {
            let ending = if line.ends_with("\r\n") {
                "\r\n"
            } else if line.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            out.push_str(&format!("version = \"{version}\"{ending}"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    if done { Ok(out) } else { Err("no `version = ...` line in its [package] table".into()) }
}

/// `text` (the workspace `Cargo.toml`) with the version requirement of `package` in
/// `[workspace.dependencies]` set to `version`'s `major.minor.patch` (build metadata is not part of a
/// requirement).
pub fn set_workspace_dependency_version(text: &str, package: &str, version: &str) -> Result<String, String> {
    let core = version.split('+').next().unwrap_or(version);
    let prefix = format!("{package} = {{");
    let mut found = false;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with(&prefix)
            && let Some(start) = line.find("version = \"")
        {
            let value_start = start + "version = \"".len();
            let Some(len) = line[value_start..].find('"') else {
                return Err(format!("`{package}`: unterminated version"));
            };
            out.push_str(&line[..value_start]);
            out.push_str(core);
            out.push_str(&line[value_start + len..]);
            found = true;
        } else {
            out.push_str(line);
        }
    }
    if found { Ok(out) } else { Err(format!("no `{package} = {{ ..., version = \"...\" }}` line")) }
}

/// The CHANGELOG entry of a schema release, from its change report: Keep a Changelog's Added /
/// Changed / Removed, breaking changes marked, and a pointer to the whole report.
pub fn changelog_entry(report: &Report, version: &str, date: &str, report_path: &str) -> String {
    let mut out = format!("## [{version}] - {date}\n\n");
    out.push_str(&format!(
        "Generated from Waldur {}'s schema (was {}): a {} release. The whole change report is \
         `{report_path}`.\n",
        report.to,
        report.from,
        report.bump().as_str()
    ));
    if let Some(why) = &report.published_only {
        out.push_str(&format!("\nThe schemas were compared as published ({why}).\n"));
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
    const UNRELEASED: &str = "## [Unreleased]";
    let start = changelog.find(UNRELEASED).ok_or("no `## [Unreleased]` heading")?;
    let body_start = changelog[start..].find('\n').map(|i| start + i + 1).unwrap_or(changelog.len());
    let body_end = changelog[body_start..].find("\n## [").map(|i| body_start + i + 1).unwrap_or(changelog.len());
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

/// `YYYY-MM-DD` (UTC) of a Unix time, for the CHANGELOG date.
pub fn utc_date(unix_seconds: u64) -> String {
    // Days to a civil date, after Howard Hinnant's `civil_from_days` (a well-known public algorithm).
    let days = (unix_seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_796_032_800), "2026-11-30");
    }

    #[test]
    fn package_version_only_in_the_package_table() {
        let text = "[package]\nname = \"x\"\nversion = \"0.1.0+waldur.7.8.7\"\n\n[dependencies]\nversion = \"1\"\n";
        let out = set_package_version(text, "0.2.0+waldur.8.1.2").unwrap();
        assert_eq!(out, text.replace("0.1.0+waldur.7.8.7", "0.2.0+waldur.8.1.2"));
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
