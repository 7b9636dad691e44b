//! The email rule (`waldur_course_accounts::check_email` and `EmailKey`) on arbitrary text: it never panics, its reasons
//! never repeat the address or carry a control character, and every spelling a person would take for
//! the same address has one key.

use proptest::prelude::*;
use waldur_course_accounts::{EmailKey, check_email};

/// Local parts and domains from the characters that matter: letters in both cases, digits, dots,
/// hyphens, an umlaut, and invisible or control characters.
fn part() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-Z0-9ä.\\-\u{200B}\u{1b}]{1,20}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_gets_an_answer_and_a_key_without_panicking(text in any::<String>()) {
        if let Err(reason) = check_email(&text) {
            let reason = reason.to_string();
            prop_assert!(!reason.chars().any(char::is_control), "{reason:?}");
            prop_assert!(reason.len() < 200);
        }
        let _ = EmailKey::of(&text);
    }

    #[test]
    fn a_sendable_address_has_an_ascii_key_shared_by_its_other_spellings(local in part(), domain in part()) {
        let email = format!("{local}@{domain}.edu");
        if check_email(&email).is_ok() {
            let key = EmailKey::of(&email);
            prop_assert!(key.as_str().is_ascii(), "{key:?}");
            prop_assert_eq!(&EmailKey::of(key.as_str()), &key, "the key is its own key");
            prop_assert_eq!(&EmailKey::of(&email.to_uppercase()), &key);
            prop_assert_eq!(&EmailKey::of(&format!(" {email}\t")), &key);
            let decomposed = email.replace('ä', "a\u{308}");
            prop_assert_eq!(&EmailKey::of(&decomposed), &key, "NFD and NFC are one address");
            let invisible = email.replacen('@', "\u{200B}@", 1);
            prop_assert_eq!(&EmailKey::of(&invisible), &key);
            prop_assert!(check_email(&invisible).is_err(), "the look-alike itself is refused");
        }
    }

    #[test]
    fn no_reason_repeats_the_part_before_the_at(local in "[a-z]{12,20}", rest in any::<String>()) {
        let email = format!("{local}{rest}");
        if let Err(reason) = check_email(&email) {
            prop_assert!(!reason.to_string().contains(&local));
        }
    }
}
