//! The point of this crate holds only if it depends on nothing a consumer would have to add.

#[test]
fn depends_on_the_client_tokio_and_futures_only() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let section = manifest.split("[dependencies]").nth(1).expect("a [dependencies] table");
    let section = section.split("\n[").next().unwrap();
    let names: Vec<&str> = section
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split(['=', '.']).next().unwrap().trim())
        .collect();
    assert_eq!(names, ["waldur-course-accounts", "tokio", "futures"]);
}
