//! Any spec file: loaded and rendered, or refused with the file named; never a panic (progenitor's own
//! panics are caught by the generator and must come back as errors).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("f.yaml");
    match codegen::Spec::from_bytes(path, data) {
        Ok(spec) => {
            match codegen::render(&spec, &codegen::Options { fixups: codegen::Fixups::None, ..Default::default() }) {
                Ok(rendered) => assert!(rendered.code.starts_with("// @generated")),
                Err(e) => assert!(e.to_string().starts_with("f.yaml")),
            }
        }
        Err(e) => assert!(e.to_string().starts_with("f.yaml")),
    }
});
