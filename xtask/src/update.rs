//! `cargo xtask update --from SCHEMA`: carries the client to a new Waldur release in one step. It cuts
//! the slice, compares it with the current one as the crate sees them, generates the new client, and
//! only when all of that succeeded writes the files of the release: the previous slice kept in
//! `openapi/upstream/` (every slice we have is rendered by the tests), the new slice, the change report
//! (text and JSON) in `openapi/reports/` and `generated.rs` (put back if the crate check cannot run).
//! Then the version is decided on the crate:
//! cargo-semver-checks compares the regenerated crate with the last commit's, and the bump applied is
//! the larger of its verdict and the schema report's (both printed, and why); without the tool the
//! schema report decides, and the output and the CHANGELOG say so. A `**Breaking:**` note under the
//! CHANGELOG's `[Unreleased]` (a hand-written API changed since the last release) makes it major. Last, the version in both manifests
//! and the CHANGELOG entry. Fixups that find upstream's fix step aside and are named. What stays a
//! human's job is printed at the end.

use std::path::{Path, PathBuf};

use codegen::release;

use crate::exit::{Failure, Outcome};
use crate::semver;
use crate::workspace::{self, label};

#[derive(clap::Args)]
pub struct Args {
    /// The new release's schema: Waldur's whole schema or a slice of it (YAML or JSON).
    #[arg(long)]
    from: PathBuf,
    /// The release date for the CHANGELOG entry (YYYY-MM-DD) [default: today, UTC]
    #[arg(long)]
    date: Option<String>,
}

pub fn run(args: Args) -> Outcome {
    let root = workspace::root();
    let spec_path = root.join(codegen::DEFAULT_SPEC);
    let source = args.from.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let selection = codegen::extract::Selection::default();
    let slice = codegen::extract::extract_file(&args.from, &selection, &source).map_err(workspace::relabel)?;
    let new =
        codegen::Spec::from_bytes(Path::new(codegen::DEFAULT_SPEC), slice.as_bytes()).map_err(workspace::relabel)?;
    let old_bytes = std::fs::read(&spec_path).map_err(|e| format!("{}: {e}", label(&spec_path)))?;
    let old = codegen::Spec::from_bytes(Path::new(codegen::DEFAULT_SPEC), &old_bytes).map_err(workspace::relabel)?;
    let (old_release, new_release) = (release_of(&old)?, release_of(&new)?);
    if old.value == new.value {
        println!("{} is already Waldur {new_release}'s slice; nothing to do", codegen::DEFAULT_SPEC);
        return Ok(());
    }
    if codegen::fixups::parse_release(&new_release) <= codegen::fixups::parse_release(&old_release) {
        return Err(Failure::from(format!(
            "{}: Waldur {new_release} is not newer than the current slice's {old_release}; `update` only moves forward",
            label(&args.from)
        )));
    }

    // Everything that can fail, before anything is written.
    let options = codegen::Options { spec_label: codegen::DEFAULT_SPEC.to_string(), ..codegen::Options::default() };
    let rendered = codegen::render(&new, &options).map_err(workspace::relabel)?;
    let report = codegen::compare::compare(&old, &new);
    let current_version = workspace::client_version();
    let stem = format!("{old_release}-to-{new_release}");
    let report_txt = format!("openapi/reports/{stem}.txt");
    let date = args.date.unwrap_or_else(release::today);
    // Hand-written breaking changes since the last release count in the version too.
    let breaking_notes =
        release::breaking_notes(&std::fs::read_to_string(root.join("CHANGELOG.md")).unwrap_or_default());
    let decide = |verdict: release::Verdict| release::Decision { verdict, breaking_notes };
    let edits = |verdict: &release::Decision| -> Result<Vec<(PathBuf, String)>, Failure> {
        let version = report.version_after(&current_version, verdict.bump());
        let edit = |path: &str, f: &dyn Fn(&str) -> Result<String, String>| -> Result<(PathBuf, String), Failure> {
            let full = root.join(path);
            let text = std::fs::read_to_string(&full).map_err(|e| format!("{path}: {e}"))?;
            Ok((full, f(&text).map_err(|e| format!("{path}: {e}"))?))
        };
        let entry = release::changelog_entry(&report, verdict, &version, &date, &report_txt);
        Ok(vec![
            edit("generated-client/Cargo.toml", &|t| release::set_package_version(t, &version))?,
            edit("Cargo.toml", &|t| release::set_workspace_dependency_version(t, release::CLIENT_PACKAGE, &version))?,
            edit("CHANGELOG.md", &|t| release::insert_entry(t, &entry))?,
        ])
    };
    // The manifest and CHANGELOG edits are tried now, so that a file they cannot edit stops the
    // update before it writes anything; they are made for real once the version is decided.
    edits(&decide(release::Verdict::SchemaOnly { schema: report.bump() }))?;
    let kept = root.join(format!("openapi/upstream/waldur-{old_release}-course-accounts.yaml"));

    let mut writes: Vec<(PathBuf, String)> = Vec::new();
    if !kept.exists() {
        writes.push((kept, String::from_utf8_lossy(&old_bytes).into_owned()));
    }
    writes.push((spec_path, slice));
    writes.push((root.join(&report_txt), report.human(&current_version)));
    let json = serde_json::to_string_pretty(&report.json(&current_version))? + "\n";
    writes.push((root.join(format!("openapi/reports/{stem}.json")), json));
    writes.push((root.join(codegen::DEFAULT_OUT), rendered.code));
    // What the files held before, to put back should the crate check fail (`None`: not there).
    let before: Vec<(PathBuf, Option<String>)> =
        writes.iter().map(|(path, _)| (path.clone(), std::fs::read_to_string(path).ok())).collect();
    write_all(&writes)?;
    print!("\n{}", report.human(&current_version));

    let verdict = decide(match semver::crate_level(&root) {
        Ok(Some((crate_level, lints))) => release::Verdict::Checked { schema: report.bump(), crate_level, lints },
        Ok(None) => {
            println!(
                "\ncargo-semver-checks is not installed: the version follows the schema report alone (the CHANGELOG \
                 entry says so). `cargo install cargo-semver-checks --locked`, then `cargo xtask semver`, checks it."
            );
            release::Verdict::SchemaOnly { schema: report.bump() }
        }
        Err(why) => {
            restore(&before)?;
            return Err(Failure::from(format!(
                "cargo-semver-checks could not check the regenerated crate: {why}. Nothing is changed (the files \
                 written for the check are back as they were); fix that, then run `cargo xtask update` again"
            )));
        }
    });
    write_all(&edits(&verdict)?)?;
    let version = report.version_after(&current_version, verdict.bump());
    println!("\nversion: {}", verdict.explain());
    // Values an open hand-written type decodes as `Unknown` until someone names them.
    let new_values: Vec<String> = report
        .changes
        .iter()
        .filter(|c| matches!(c.kind, codegen::compare::ChangeKind::EnumValueAdded { open: true }))
        .map(|c| format!("{}: {}", c.location, c.detail))
        .collect();
    let name_values = if new_values.is_empty() {
        String::new()
    } else {
        format!(
            "\n5. name the new values in the hand-written type (the contract test \
             `hand_written_state_knows_every_label_of_the_schema` fails until then): {}.",
            new_values.join("; ")
        )
    };
    println!(
        "\nWaldur {old_release} → {new_release}: waldur-course-accounts {current_version} → {version}. Still yours to do:\n\
         1. record the slice's origin (repository, file, commit) in openapi/README.md;\n\
         2. EXPECTORATE=overwrite cargo test -p codegen --test snapshots, and review `git diff codegen/tests/snapshots`;\n\
         3. for each fixup fixed upstream (above), set its `fixed_in` to the release named;\n\
         4. cargo test --workspace (also refreshes Cargo.lock with the new version), then commit everything.{name_values}"
    );
    Ok(())
}

/// Puts files back as they were: their old text, or gone if they were not there.
fn restore(before: &[(PathBuf, Option<String>)]) -> Result<(), Failure> {
    for (path, text) in before {
        match text {
            Some(text) => {
                codegen::write::atomic(path, text)?;
            }
            None => std::fs::remove_file(path).map_err(|e| format!("{}: {e}", label(path)))?,
        }
    }
    Ok(())
}

fn write_all(writes: &[(PathBuf, String)]) -> Result<(), Failure> {
    for (path, text) in writes {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", label(dir)))?;
        }
        codegen::write::atomic(path, text)?;
        println!("wrote {}", label(path));
    }
    Ok(())
}

fn release_of(spec: &codegen::Spec) -> Result<String, Failure> {
    spec.version()
        .filter(|v| codegen::fixups::parse_release(v).is_some())
        .map(str::to_string)
        .ok_or_else(|| Failure::from(format!("{}: `info.version` is not a Waldur release number", spec.path.display())))
}
