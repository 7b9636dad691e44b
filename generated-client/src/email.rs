//! Email addresses, decided once: whether one can be sent ([`check_email`]) and when two name the same
//! student ([`EmailKey`]). Bulk planning, reconcile, the command line and the tests' "no duplicate
//! account" checks all use these two, so that they cannot disagree. Each rule is documented on the
//! item that applies it (what users of the crate see on docs.rs).

use std::fmt;

/// An email as it is sent: surrounding whitespace removed (the server strips it too), nothing else
/// changed.
pub fn as_sent(email: &str) -> &str {
    email.trim()
}

/// The longest address, domain and local part (RFC 5321 §4.5.3.1: a path is at most 256 octets with
/// its angle brackets; a local part 64; a domain 255).
const MAX_ADDRESS: usize = 254;
const MAX_LOCAL: usize = 64;
const MAX_DOMAIN: usize = 255;
/// A domain label's longest (RFC 1035 §2.3.4; Django's domain rule).
const MAX_LABEL: usize = 63;

/// Why an email cannot be sent. The reason never repeats the address (it may be a student's), only
/// which rule it breaks, and for an invisible or out-of-place character its code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmailProblem {
    /// Nothing but whitespace.
    Empty,
    /// No `@`.
    NoAt,
    /// More than one `@`.
    SeveralAts,
    /// Nothing before the `@`.
    NoLocalPart,
    /// Whitespace or a control character inside the address.
    WhitespaceOrControl,
    /// A character no one can see (zero-width space, joiner, direction mark, byte-order mark...).
    Invisible(char),
    /// A character an address cannot have (`,`, `;`, `<`, `"`, ...), or a non-ASCII letter before
    /// the `@` (Waldur's server accepts only ASCII there).
    NotAllowed(char),
    /// An empty part between dots (`a..b@`, `.a@`, `a.@`).
    EmptyDotPart,
    /// The domain is not a host name (no dot, a bad label, an internationalised name IDNA rejects).
    NotADomain,
    /// Longer than the mail standards allow (`which`: "address", "part before the @" or "domain").
    TooLong {
        /// Which part is too long.
        which: &'static str,
        /// Its limit in octets (of the ASCII form for the domain).
        limit: usize,
    },
}

impl fmt::Display for EmailProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmailProblem::Empty => f.write_str("the email is empty"),
            EmailProblem::NoAt => f.write_str("the email has no @"),
            EmailProblem::SeveralAts => f.write_str("the email has more than one @"),
            EmailProblem::NoLocalPart => f.write_str("the email has nothing before the @"),
            EmailProblem::WhitespaceOrControl => f.write_str("the email contains whitespace or a control character"),
            EmailProblem::Invisible(c) => {
                write!(
                    f,
                    "the email contains an invisible character (U+{:04X}), which would make a look-alike address",
                    *c as u32
                )
            }
            EmailProblem::NotAllowed(c) if c.is_ascii() => write!(
                f,
                "the email contains a character an address cannot have (`{}`; allowed before the @: letters, digits and !#$%&'*+/=?^_`{{|}}~.-)",
                c.escape_debug()
            ),
            EmailProblem::NotAllowed(c) => write!(
                f,
                "the email contains a character an address cannot have (U+{:04X} before the @: Waldur accepts only ASCII there)",
                *c as u32
            ),
            EmailProblem::EmptyDotPart => f.write_str("the email has an empty dot-separated part"),
            EmailProblem::NotADomain => f.write_str("the part after the @ is not a domain name"),
            EmailProblem::TooLong { which, limit } => {
                write!(f, "the email's {which} is longer than the mail standards allow ({limit} characters)")
            }
        }
    }
}

impl std::error::Error for EmailProblem {}

/// Whether `email` (trimmed) can be sent; the server still has the last word.
///
/// **What can be sent** is what Waldur's server accepts, checked before anything is sent so that one
/// bad address does not sink a whole chunk. Waldur validates `email` with Django's `EmailValidator`
/// (waldur-mastermind `marketplace/serializers.py`, an `EmailField`; django `core/validators.py`): the
/// part before the `@` is an ASCII dot-atom (letters, digits and ``!#$%&'*+/=?^_`{|}~-``, in parts
/// separated by single dots); the domain is dot-separated labels of ASCII letters, digits and inner
/// hyphens, at most 63 characters each, with a final label of at least two; an internationalised
/// domain is accepted in the form IDNA gives it (`exämple.edu` is `xn--exmple-cua.edu`). On top of
/// Django the mail standards' lengths (RFC 5321 §4.5.3.1: 64 octets before the `@`, 255 for the
/// domain, 254 for the whole address, which no mail system can deliver beyond) and one rule of ours:
/// no invisible character anywhere (a zero-width space or a direction mark would make an address that
/// looks like another's; Django would refuse them too, as non-ASCII). Quoted local parts
/// (`"a b"@example.edu`), which Django allows, are refused: no university mail system issues them,
/// and a spreadsheet export that produces one has mangled a cell.
pub fn check_email(email: &str) -> Result<(), EmailProblem> {
    let email = as_sent(email);
    if email.is_empty() {
        return Err(EmailProblem::Empty);
    }
    if let Some(c) = email.chars().find(|c| is_invisible(*c)) {
        return Err(EmailProblem::Invisible(c));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailProblem::WhitespaceOrControl);
    }
    if let Some(c) = email.chars().find(|c| c.is_ascii() && !is_atext(*c) && !matches!(c, '.' | '@')) {
        return Err(EmailProblem::NotAllowed(c));
    }
    let Some((local, domain)) = email.split_once('@') else { return Err(EmailProblem::NoAt) };
    if domain.contains('@') {
        return Err(EmailProblem::SeveralAts);
    }
    if local.is_empty() {
        return Err(EmailProblem::NoLocalPart);
    }
    if let Some(c) = local.chars().find(|c| !is_atext(*c) && *c != '.') {
        return Err(EmailProblem::NotAllowed(c));
    }
    if local.split('.').any(str::is_empty) || domain.split('.').any(str::is_empty) {
        return Err(EmailProblem::EmptyDotPart);
    }
    if let Some(c) = domain.chars().find(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))) {
        return Err(EmailProblem::NotAllowed(c));
    }
    let ascii = ascii_domain(domain).ok_or(EmailProblem::NotADomain)?;
    if local.len() > MAX_LOCAL {
        return Err(EmailProblem::TooLong { which: "part before the @", limit: MAX_LOCAL });
    }
    if ascii.len() > MAX_DOMAIN {
        return Err(EmailProblem::TooLong { which: "domain", limit: MAX_DOMAIN });
    }
    if local.len() + 1 + ascii.len() > MAX_ADDRESS {
        return Err(EmailProblem::TooLong { which: "address", limit: MAX_ADDRESS });
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    let label_ok = |l: &&str| !l.is_empty() && l.len() <= MAX_LABEL && !l.starts_with('-') && !l.ends_with('-');
    let last = labels.last().copied().unwrap_or_default();
    if labels.len() < 2 || !labels.iter().all(label_ok) || last.len() < 2 {
        return Err(EmailProblem::NotADomain);
    }
    Ok(())
}

/// The key under which emails are the same student. Two emails with equal keys are one student to
/// the client, whatever Waldur would do with them.
///
/// **The same student**: Waldur has two rules, and neither is this one: `create_bulk` compares
/// addresses exactly as sent (`marketplace/views.py`, `CourseAccountViewSet.create_bulk`), and the
/// single `create` compares nothing (it always makes an account). To a person, `Ada@Example.EDU`,
/// `ada@example.edu`, `ada@xn--exmple-cua.edu` beside `ada@exämple.edu` (in either Unicode
/// normalisation form, or in full-width letters) are one address: sent to Waldur's bulk create beside
/// an account for another spelling, the second spelling gets a second account. The client therefore
/// decides "has an account" by the key, and "what Waldur will do with it" by the exact address
/// ([`as_sent`]). The key is: the part before the last `@` lowercased, and the domain as IDNA's UTS #46
/// processing gives it (case folded, NFC, width-mapped, then Punycode), both without invisible
/// characters. A text that is no address still gets a key (lowercased, invisibles removed), so that
/// any two texts can be compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailKey(String);

impl EmailKey {
    /// The key of `email`.
    pub fn of(email: &str) -> EmailKey {
        let visible: String = as_sent(email).chars().filter(|c| !is_invisible(*c)).collect();
        match visible.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {
                let domain = ascii_domain(domain).unwrap_or_else(|| domain.to_lowercase());
                EmailKey(format!("{}@{domain}", local.to_lowercase()))
            }
            _ => EmailKey(visible.to_lowercase()),
        }
    }

    /// The key as text (lowercase, trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The domain in its ASCII form (UTS #46 processing: case folding, NFC, width mapping, Punycode), or
/// `None` when IDNA rejects it.
fn ascii_domain(domain: &str) -> Option<String> {
    idna::domain_to_ascii(domain).ok().filter(|d| !d.is_empty())
}

/// RFC 5322's `atext`: what a dot-atom local part is made of (Django's user rule, ASCII only).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c)
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, Unicode 16): characters that
/// render as nothing, so a text holding one looks like the text without it (an address like another
/// address; the command line escapes them in what it prints). The byte-order mark (U+FEFF) is among
/// them.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c as u32,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFF8
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_ignores_surrounding_space_and_case_including_non_ascii_letters() {
        assert_eq!(EmailKey::of("  Ada@Example.EDU\t"), EmailKey::of("ada@example.edu"));
        assert_eq!(EmailKey::of("ÄNNE@example.edu"), EmailKey::of("änne@example.edu"));
        assert_ne!(EmailKey::of("ada@example.edu"), EmailKey::of("ada.b@example.edu"));
        assert_eq!(as_sent(" Ada@example.edu "), "Ada@example.edu");
    }

    #[test]
    fn addresses_that_are_one_to_a_person_have_one_key() {
        let one = EmailKey::of("ada@xn--exmple-cua.edu");
        // NFC, NFD (a + combining diaeresis), upper case, full-width letters, and the Punycode form.
        for spelling in [
            "ada@exämple.edu",
            "ada@exa\u{308}mple.edu",
            "ADA@EXÄMPLE.EDU",
            "ada@ｅｘäｍｐｌｅ.ｅｄｕ",
            "a\u{200B}da@exämple.edu",
            "\u{FEFF}ada@exämple.edu",
        ] {
            assert_eq!(EmailKey::of(spelling), one, "{}", spelling.escape_unicode());
        }
        assert_ne!(EmailKey::of("ada@example.edu"), one);
    }

    #[test]
    fn the_check_follows_the_servers_validator_and_the_mail_standards() {
        for ok in [
            "ada@example.edu",
            "o'brien+course@sub.example.ac.uk",
            "ada@exämple.edu",
            "ada@xn--exmple-cua.edu",
            "x@ex-ample.co",
        ] {
            assert_eq!(check_email(ok), Ok(()), "{ok}");
        }
        let cases: [(&str, EmailProblem); 12] = [
            ("", EmailProblem::Empty),
            ("ada.example.edu", EmailProblem::NoAt),
            ("a@b@example.edu", EmailProblem::SeveralAts),
            ("@example.edu", EmailProblem::NoLocalPart),
            ("a\u{200B}da@example.edu", EmailProblem::Invisible('\u{200B}')),
            ("ada@exa\u{200D}mple.edu", EmailProblem::Invisible('\u{200D}')),
            ("ädä@example.edu", EmailProblem::NotAllowed('ä')),
            ("\"a b\"@example.edu", EmailProblem::WhitespaceOrControl),
            ("a..b@example.edu", EmailProblem::EmptyDotPart),
            ("ada@localhost", EmailProblem::NotADomain),
            ("ada@example.e", EmailProblem::NotADomain),
            ("ada@-example.edu", EmailProblem::NotADomain),
        ];
        for (email, problem) in cases {
            assert_eq!(check_email(email), Err(problem), "{}", email.escape_debug());
        }
        let long_local = format!("{}@example.edu", "a".repeat(65));
        assert_eq!(check_email(&long_local), Err(EmailProblem::TooLong { which: "part before the @", limit: 64 }));
        let long_label = format!("ada@{}.edu", "a".repeat(64));
        assert_eq!(check_email(&long_label), Err(EmailProblem::NotADomain));
        let long = format!("{}@{}.edu", "a".repeat(64), vec!["b".repeat(60); 4].join("."));
        assert_eq!(check_email(&long), Err(EmailProblem::TooLong { which: "address", limit: 254 }));
    }

    #[test]
    fn no_reason_repeats_the_address() {
        for email in ["secret\u{202E}@example.edu", "sécret@example.edu", "secret,x@example.edu"] {
            let reason = check_email(email).unwrap_err().to_string();
            assert!(!reason.contains("secret") && !reason.contains("sécret"), "{reason}");
        }
    }
}
