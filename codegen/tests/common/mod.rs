//! Helpers shared by the generator's tests: workspace paths and rendering of edited copies of the spec.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use codegen::{Options, Rendered, Spec};
use serde_json::Value;

/// An edit of the parsed spec, for table-driven cases.
pub type Edit = Box<dyn FnOnce(&mut Value)>;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn spec_path() -> PathBuf {
    root().join(codegen::DEFAULT_SPEC)
}

pub fn out_path() -> PathBuf {
    root().join(codegen::DEFAULT_OUT)
}

/// The checked-in spec, named by its workspace-relative path (so messages do not depend on the checkout's location).
pub fn spec() -> Spec {
    let bytes = std::fs::read(spec_path()).expect("the checked-in spec reads");
    Spec::from_bytes(Path::new(codegen::DEFAULT_SPEC), &bytes).expect("the checked-in spec loads")
}

/// Renders the fragment after `edit` changed it, as if the edited document had been saved as YAML.
pub fn render_edited(edit: impl FnOnce(&mut Value)) -> codegen::Result<Rendered> {
    render_changed(spec(), edit, &Options::default())
}

/// `spec` after `edit`, saved as YAML under the same name and rendered.
fn render_changed(spec: Spec, edit: impl FnOnce(&mut Value), options: &Options) -> codegen::Result<Rendered> {
    let mut value = spec.value;
    edit(&mut value);
    let text = yaml_serde::to_string(&value).expect("a JSON value serializes as YAML");
    codegen::render(&Spec::from_bytes(&spec.path, text.as_bytes())?, options)
}

/// Renders a YAML text as if it were the spec file.
pub fn render_text(name: &str, text: &str) -> codegen::Result<Rendered> {
    let spec = Spec::from_bytes(Path::new(name), text.as_bytes())?;
    codegen::render(&spec, &Options::default())
}

/// The whole Waldur 7.9.0 schema committed as a test input.
pub fn whole_790() -> Spec {
    Spec::load(&root().join("openapi/upstream/waldur-7.9.0-openapi.yaml")).unwrap()
}

/// The real course-accounts slices committed in `openapi/`, oldest first: every release a test renders.
pub const SLICES: &[&str] = &["7.8.7", "7.9.0", "8.0.5", "8.1.2"];

/// The course-accounts slice of one Waldur release: `8.1.2` is the source of truth, the older ones are
/// kept in `openapi/upstream/` (7.9.0 and 8.0.5 cut from the whole schemas with `cargo xtask extract`).
pub fn slice(release: &str) -> Spec {
    let relative = slice_path(release);
    let bytes = std::fs::read(root().join(&relative)).unwrap_or_else(|e| panic!("{relative}: {e}"));
    Spec::from_bytes(Path::new(&relative), &bytes).unwrap_or_else(|e| panic!("{e}"))
}

pub fn slice_path(release: &str) -> String {
    let current = spec();
    if current.value["info"]["version"] == release {
        codegen::DEFAULT_SPEC.to_string()
    } else {
        format!("openapi/upstream/waldur-{release}-course-accounts.yaml")
    }
}

/// Like [`render_edited`], starting from another release's slice.
pub fn render_edited_slice(release: &str, edit: impl FnOnce(&mut Value)) -> codegen::Result<Rendered> {
    render_changed(slice(release), edit, &Options::default())
}
