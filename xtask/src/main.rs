//! `cargo xtask`: the workspace's task runner (alias in `.cargo/config.toml`). Thin: parsing
//! arguments and printing; the work is in the `codegen` library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks for the Waldur course-accounts client workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate the client from the OpenAPI fragment, or with --check refuse a stale one.
    Codegen(CodegenArgs),
}

#[derive(clap::Args)]
struct CodegenArgs {
    /// The OpenAPI document (YAML or JSON) [default: openapi/course-accounts.yaml]
    #[arg(long)]
    spec: Option<PathBuf>,
    /// The file to write [default: generated-client/src/generated.rs]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write nothing; exit 1 with a unified diff if the file is not what the spec generates.
    #[arg(long)]
    check: bool,
    /// Skip the course-accounts fixups (for documents that are not the course-accounts fragment).
    #[arg(long)]
    no_fixups: bool,
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A path as the header and messages name it: workspace-relative with `/` when inside the workspace.
fn label(path: &Path) -> String {
    let root = workspace_root();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.strip_prefix(&root).unwrap_or(&absolute);
    shown.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen(args) => codegen_cmd(args),
    }
}

fn codegen_cmd(args: CodegenArgs) -> ExitCode {
    let root = workspace_root();
    let spec = args.spec.unwrap_or_else(|| root.join(codegen::DEFAULT_SPEC));
    let out = args.out.unwrap_or_else(|| root.join(codegen::DEFAULT_OUT));
    let options = codegen::Options { fixups: !args.no_fixups, spec_label: label(&spec) };
    let rendered = match codegen::render_file(&spec, &options) {
        Ok(r) => r,
        Err(mut e) => {
            e.file = label(&e.file).into();
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.check {
        let current = std::fs::read_to_string(&out).ok();
        match codegen::check::drift(&label(&out), current.as_deref(), &rendered.code) {
            None => {
                println!("{} is up to date with {}", label(&out), label(&spec));
                ExitCode::SUCCESS
            }
            Some(diff) => {
                print!("{diff}");
                eprintln!(
                    "error: {} is stale: it is not what {} generates (diff above).\nFix: run `{}` and commit the result.",
                    label(&out),
                    label(&spec),
                    fix_command(&spec, &out)
                );
                ExitCode::from(1)
            }
        }
    } else {
        match codegen::write::atomic(&out, &rendered.code) {
            Ok(changed) => {
                let what = if changed { "wrote" } else { "unchanged:" };
                println!(
                    "{what} {} ({} operations; fixups: {})",
                    label(&out),
                    rendered.operations,
                    if rendered.fixups.ran.is_empty() { "none".to_string() } else { rendered.fixups.ran.join(", ") }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }
}

/// The exact command that brings `out` up to date, flags included when they are not the defaults.
fn fix_command(spec: &Path, out: &Path) -> String {
    let mut cmd = codegen::REGENERATE.to_string();
    if label(spec) != codegen::DEFAULT_SPEC {
        cmd.push_str(&format!(" --spec {}", label(spec)));
    }
    if label(out) != codegen::DEFAULT_OUT {
        cmd.push_str(&format!(" --out {}", label(out)));
    }
    cmd
}
