//! Property tests beside the cargo-fuzz targets in `tests/fuzz/` (which need `RUSTC_BOOTSTRAP=1` and run
//! outside `cargo test`): the `Link` header parser and the DRF error parser take any input without
//! panicking, and parse well-formed input exactly. `PROPTEST_CASES=100000` runs a longer campaign;
//! failures found are kept in `fuzz.proptest-regressions` beside this file and replayed first.

use proptest::prelude::*;
use waldur_course_accounts::ErrorBody;
use waldur_course_accounts::parse_link_header;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(test_support::proptest_config(test_support::DEFAULT_CASES))]

    #[test]
    fn link_parser_takes_any_text(text in ".{0,300}") {
        let _ = parse_link_header(&text);
    }

    #[test]
    fn link_parser_takes_near_miss_headers(text in r#"[<>;,= "a-z:/?&0-9]{0,120}"#) {
        for link in parse_link_header(&text) {
            prop_assert!(!link.target.contains('>'));
        }
    }

    #[test]
    fn link_parser_reads_well_formed_headers_exactly(
        links in prop::collection::vec(("[a-z0-9/?=&._~-]{1,40}", prop::sample::select(vec!["first", "prev", "next", "last"])), 1..5)
    ) {
        let header = links.iter().map(|(t, r)| format!("<http://h.example/{t}>; rel=\"{r}\"")).collect::<Vec<_>>().join(", ");
        let parsed = parse_link_header(&header);
        prop_assert_eq!(parsed.len(), links.len());
        for (p, (t, r)) in parsed.iter().zip(&links) {
            prop_assert_eq!(&p.target, &format!("http://h.example/{t}"));
            prop_assert_eq!(&p.rels, &vec![r.to_string()]);
        }
    }

    #[test]
    fn drf_error_parser_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let body = ErrorBody::parse(&bytes);
        let _ = body.message();
    }

    #[test]
    fn drf_error_parser_takes_any_json(value in json_value()) {
        let body = ErrorBody::parse(&serde_json::to_vec(&value).unwrap());
        let message = body.message();
        // Nothing the server said is dropped: every string leaf shows up in the message.
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(m) => m.values().for_each(|x| strings(x, out)),
                _ => {}
            }
        }
        let mut leaves = Vec::new();
        strings(&value, &mut leaves);
        for leaf in leaves {
            prop_assert!(message.contains(&leaf), "{leaf:?} missing from {message:?}");
        }
    }

    #[test]
    fn drf_field_errors_are_keyed_by_field(field in "[a-z_]{1,16}", messages in prop::collection::vec("[A-Za-z .]{1,30}", 1..4)) {
        prop_assume!(field != "detail" && field != "non_field_errors");
        let body = ErrorBody::parse(&serde_json::to_vec(&serde_json::json!({ &field: messages })).unwrap());
        prop_assert_eq!(body.field(&field), messages.as_slice());
    }
}

/// The first finding of `drf_error_parser_takes_any_json`: a list inside a bare list used to be shown
/// as JSON text (`["\u0000"]`) instead of its messages.
#[test]
fn nested_lists_in_a_bare_list_keep_their_messages() {
    let body = ErrorBody::parse(br#"[["first", ["second"]], "third"]"#);
    assert_eq!(body.non_field_errors, ["first", "second", "third"]);
}
