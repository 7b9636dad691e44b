//! One test per row of `testkit/BEHAVIOURS.md`: each rule the stand-in imitates, as Waldur's code
//! has it (the table names the source), checked on the stand-in's answers. A table-vs-file test keeps
//! the two in step: every row names a test here, and every test here is a row.
//!
//! Over 400 lines as one thing: the file mirrors the table row for row (one test per row, and the check of the two), which is what keeps
//! the two checkable against each other.

use std::time::Duration;

use serde_json::{Value, json};
use waldur_course_accounts_testkit::http::{HttpRequest, HttpResponse};
use waldur_course_accounts_testkit::standin::{LIST_PATH, REFUSED, State, seed};
use waldur_course_accounts_testkit::{Flavour, Provisioning, Waldur};

fn request(method: &str, target: &str, body: Option<Value>) -> HttpRequest {
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    let mut headers = vec![("host".to_string(), "waldur.test".to_string())];
    headers.push(("authorization".into(), format!("Token {}", seed::TOKEN)));
    if body.is_some() {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let body = body.map(|b| serde_json::to_vec(&b).unwrap()).unwrap_or_default().into();
    HttpRequest { method: method.into(), path, query, headers, body }
}

fn send(w: &mut Waldur, method: &str, target: &str, body: Option<Value>) -> HttpResponse {
    w.handle(&request(method, target, body))
}

fn json_of(r: &HttpResponse) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

fn header(r: &HttpResponse, name: &str) -> Option<String> {
    r.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

fn list(query: &str) -> String {
    format!("{LIST_PATH}?{query}")
}

fn item(uuid: uuid::Uuid, rest: &str) -> String {
    format!("{LIST_PATH}{uuid}/{rest}")
}

fn v81(n: usize) -> Waldur {
    Waldur::seeded(Flavour::V8_1, n)
}

fn course() -> String {
    seed::course_project().to_string()
}

#[test]
fn auth_messages() {
    let mut w = v81(1);
    let mut r = request("GET", LIST_PATH, None);
    let mut with = |auth: Option<&str>| {
        r.headers.retain(|(k, _)| k != "authorization");
        if let Some(a) = auth {
            r.headers.push(("authorization".into(), a.into()));
        }
        let answer = w.handle(&r);
        (answer.status, json_of(&answer)["detail"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(with(None), (401, "Authentication credentials were not provided.".into()));
    assert_eq!(with(Some("Token")), (401, "Invalid token. No credentials provided.".into()));
    assert_eq!(with(Some("Token a b")), (401, "Invalid token. Token string should not contain spaces.".into()));
    assert_eq!(with(Some("Token nope")), (401, "Invalid token.".into()));
    assert_eq!(with(Some(&format!("token {}", seed::TOKEN))).0, 200, "the keyword is case-insensitive");
}

#[test]
fn list_is_a_bare_array_with_count_and_links() {
    let mut w = v81(25);
    let r = send(&mut w, "GET", &list("page_size=5&page=2"), None);
    assert_eq!(r.status, 200);
    assert_eq!(json_of(&r).as_array().unwrap().len(), 5);
    // 25 seeded, every fifth in the foreign project: 20 visible.
    assert_eq!(header(&r, "x-result-count").as_deref(), Some("20"));
    let link = header(&r, "link").unwrap();
    let rels: Vec<&str> = link.split(", ").map(|l| l.rsplit("rel=").next().unwrap()).collect();
    assert_eq!(rels, ["\"first\"", "\"prev\"", "\"next\"", "\"last\""]);
}

#[test]
fn links_to_page_one_carry_no_page() {
    let mut w = v81(25);
    let r = send(&mut w, "GET", &list("page_size=5&page=2"), None);
    let link = header(&r, "link").unwrap();
    assert!(link.starts_with(&format!("<http://waldur.test{LIST_PATH}?page_size=5>; rel=\"first\"")), "{link}");
    assert!(link.contains(&format!("<http://waldur.test{LIST_PATH}?page_size=5>; rel=\"prev\"")), "{link}");
    assert!(link.contains("?page=3&page_size=5>; rel=\"next\""), "{link}");
    let single = send(&mut w, "GET", LIST_PATH, None);
    let link = header(&single, "link").unwrap();
    assert_eq!(
        link,
        format!(
            "<http://waldur.test{LIST_PATH}>; rel=\"first\", <http://waldur.test{LIST_PATH}?page=2>; rel=\"next\", <http://waldur.test{LIST_PATH}?page=2>; rel=\"last\""
        )
    );
}

#[test]
fn page_size_default_clamp_and_fallback() {
    let mut w = v81(400);
    let size = |w: &mut Waldur, q: &str| json_of(&send(w, "GET", &list(q), None)).as_array().unwrap().len();
    assert_eq!(size(&mut w, ""), 10);
    assert_eq!(size(&mut w, "page_size=1000"), 300);
    assert_eq!(size(&mut w, "page_size=0"), 10);
    assert_eq!(size(&mut w, "page_size=-3"), 10);
    assert_eq!(size(&mut w, "page_size=abc"), 10);
}

#[test]
fn bad_pages_are_404_and_last_is_accepted() {
    let mut w = v81(25);
    for page in ["5", "0", "-1", "abc", "2.0"] {
        let r = send(&mut w, "GET", &list(&format!("page_size=10&page={page}")), None);
        assert_eq!((r.status, json_of(&r)), (404, json!({"detail": "Invalid page."})), "page={page}");
    }
    let last = send(&mut w, "GET", &list("page_size=10&page=last"), None);
    assert_eq!(last.status, 200);
    assert_eq!(json_of(&last).as_array().unwrap().len(), 10);
    let empty = send(&mut Waldur::seeded(Flavour::V8_1, 0), "GET", LIST_PATH, None);
    assert_eq!((empty.status, json_of(&empty)), (200, json!([])), "page 1 of nothing");
}

#[test]
fn head_is_the_list_without_a_body() {
    let mut w = v81(25);
    let get = send(&mut w, "GET", &list("page_size=5&state=OK"), None);
    let head = send(&mut w, "HEAD", &list("page_size=5&state=OK"), None);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in ["x-result-count", "link", "content-type"] {
        assert_eq!(header(&head, name), header(&get, name), "{name}");
    }
    assert_eq!(send(&mut w, "HEAD", &list("page=9"), None).status, 404);
    assert_eq!(send(&mut w, "HEAD", &list("state=Nope"), None).status, 400);
}

#[test]
fn filters_email_username_state_project_dates() {
    let mut w = v81(30);
    let count = |w: &mut Waldur, q: &str| header(&send(w, "GET", &list(q), None), "x-result-count").unwrap();
    assert_eq!(count(&mut w, "email=STUDENT1"), "9", "icontains: student1 and student10..19, less 14 and 19 (foreign)");
    let username =
        json_of(&send(&mut w, "GET", &list("page_size=1"), None))[0]["username"].as_str().unwrap().to_string();
    assert_eq!(count(&mut w, &format!("username={username}")), "1");
    assert_eq!(count(&mut w, &format!("username={}", username.to_uppercase())), "0", "exact");
    let (ok, erred) = (count(&mut w, "state=OK"), count(&mut w, "state=Erred"));
    let both: usize = count(&mut w, "state=OK&state=Erred").parse().unwrap();
    assert_eq!(both, ok.parse::<usize>().unwrap() + erred.parse::<usize>().unwrap(), "repeated state is OR");
    assert_eq!(
        count(&mut w, &format!("project_uuid={}", course().replace('-', ""))),
        count(&mut w, &format!("project_uuid={}", course()))
    );
    assert_eq!(
        count(&mut w, "project_end_date_before=2025-12-20&project_end_date_after=2025-12-20"),
        count(&mut w, &format!("project_uuid={}", course())),
        "inclusive"
    );
}

#[test]
fn empty_filter_values_are_ignored() {
    let mut w = v81(10);
    let all = header(&send(&mut w, "GET", LIST_PATH, None), "x-result-count");
    for q in ["username=", "email=", "state=", "project_uuid=", "o="] {
        assert_eq!(header(&send(&mut w, "GET", &list(q), None), "x-result-count"), all, "{q}");
    }
}

#[test]
fn bad_filter_values_are_one_400_body() {
    let mut w = v81(10);
    let r =
        send(&mut w, "GET", &list("state=Nope&o=-shoe_size&project_start_date_after=tomorrow&project_uuid=xyz"), None);
    assert_eq!(r.status, 400);
    assert_eq!(
        json_of(&r),
        json!({
            "state": ["Select a valid choice. Nope is not one of the available choices."],
            "o": ["Select a valid choice. -shoe_size is not one of the available choices."],
            "project_start_date": ["Enter a valid date."],
            "project_uuid": ["Enter a valid UUID."],
        })
    );
    let pending_on_787 = send(&mut Waldur::seeded(Flavour::V7_8_7, 1), "GET", &list("state=Pending"), None);
    assert_eq!(pending_on_787.status, 400, "Pending arrived in 8.0.6");
}

#[test]
fn ordering_is_one_comma_joined_value_with_nulls_last() {
    let mut w = v81(0);
    w.add(0, "b@example.edu", "", State::Ok);
    w.add(0, "a@example.edu", "", State::Erred);
    w.add(0, "c@example.edu", "", State::Ok);
    w.add(0, "d@example.edu", "", State::Pending);
    let emails = |w: &mut Waldur, q: &str| -> Vec<String> {
        json_of(&send(w, "GET", &list(q), None))
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["email"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(emails(&mut w, "o=state,-email"), ["c@example.edu", "b@example.edu", "a@example.edu", "d@example.edu"]);
    assert_eq!(
        emails(&mut w, "o=email&o=-email"),
        ["d@example.edu", "c@example.edu", "b@example.edu", "a@example.edu"],
        "the last `o` wins"
    );
    // The Pending account has no user: its NULL username sorts last ascending, first descending.
    assert_eq!(emails(&mut w, "o=username").last().map(String::as_str), Some("d@example.edu"));
    assert_eq!(emails(&mut w, "o=-username").first().map(String::as_str), Some("d@example.edu"));
}

#[test]
fn default_order_is_created() {
    let mut w = v81(3);
    // Rows imported out of order (as `waldur-mock`'s seeding from the recordings may) still list oldest first.
    let last = w.accounts.len() - 1;
    w.accounts[last].created -= chrono::Duration::days(1);
    let uuid = w.accounts[last].uuid.simple().to_string();
    let first = json_of(&send(&mut w, "GET", LIST_PATH, None))[0]["uuid"].clone();
    assert_eq!(first, json!(uuid));
}

#[test]
fn uuids_are_hex_without_hyphens() {
    let mut w = v81(1);
    let a = json_of(&send(&mut w, "GET", LIST_PATH, None))[0].clone();
    for key in ["uuid", "project", "project_uuid", "user_uuid", "customer_uuid"] {
        let v = a[key].as_str().unwrap();
        assert!(v.len() == 32 && !v.contains('-'), "{key}: {v}");
    }
    assert!(a["url"].as_str().unwrap().ends_with(&format!("{}/", a["uuid"].as_str().unwrap())));
    assert_eq!(a["created"], "2025-09-01T08:01:00Z", "no zero fraction");
    let hyphenated = w.accounts[0].uuid;
    assert_eq!(send(&mut w, "GET", &item(hyphenated, ""), None).status, 200, "either form is accepted");
}

#[test]
fn accounts_without_a_user_have_no_user_keys() {
    let mut w = v81(0);
    let i = w.add(0, "p@example.edu", "", State::Pending);
    let target = item(w.accounts[i].uuid, "");
    let a = json_of(&send(&mut w, "GET", &target, None));
    assert!(a.get("user_uuid").is_none() && a.get("username").is_none(), "{a}");
}

#[test]
fn retrieve_of_a_missing_or_invisible_account_is_404() {
    let mut w = v81(5);
    let foreign = w.accounts[4].uuid; // every fifth seeded row is in the project the user cannot see
    for target in [item(seed::id(9, 9), ""), item(foreign, "")] {
        let r = send(&mut w, "GET", &target, None);
        assert_eq!((r.status, json_of(&r)), (404, json!({"detail": "No CourseAccount matches the given query."})));
    }
    let r = send(&mut w, "GET", &format!("{LIST_PATH}not-a-uuid/"), None);
    assert_eq!((r.status, json_of(&r)), (404, json!({"detail": "Not found."})));
    assert_eq!(send(&mut w, "DELETE", &item(foreign, ""), None).status, 404);
}

#[test]
fn other_methods_are_405_before_any_lookup() {
    let mut w = v81(1);
    for method in ["PUT", "PATCH", "POST"] {
        let r = send(&mut w, method, &item(seed::id(9, 9), ""), Some(json!({})));
        assert_eq!((r.status, json_of(&r)), (405, json!({"detail": format!("Method \"{method}\" not allowed.")})));
    }
    assert_eq!(send(&mut w, "DELETE", LIST_PATH, None).status, 405);
    assert_eq!(send(&mut w, "GET", &item(seed::id(9, 9), "retry/"), None).status, 405);
}

#[test]
fn unknown_paths_are_djangos_404_page() {
    let mut w = v81(1);
    for target in ["/api/other/", &format!("{LIST_PATH}a/b/c/")] {
        let r = send(&mut w, "GET", target, None);
        assert_eq!(r.status, 404);
        assert!(header(&r, "content-type").unwrap().starts_with("text/html"), "{target}");
    }
    let retry = send(&mut Waldur::seeded(Flavour::V7_8_7, 1), "POST", &item(seed::id(2, 1), "retry/"), None);
    assert_eq!(retry.status, 404, "7.8.7 has no retry route");
    assert!(header(&retry, "content-type").unwrap().starts_with("text/html"));
}

#[test]
fn request_bodies_as_drf_parses_them() {
    let mut w = v81(1);
    let empty = send(&mut w, "POST", LIST_PATH, None);
    assert_eq!((empty.status, json_of(&empty)), (400, json!({"project": ["This field is required."]})));
    let mut bad = request("POST", LIST_PATH, None);
    bad.body = bytes::Bytes::from_static(b"{not json");
    let r = w.handle(&bad);
    assert_eq!(r.status, 400);
    assert!(json_of(&r)["detail"].as_str().unwrap().starts_with("JSON parse error - "), "{}", json_of(&r));
    let list_body = send(&mut w, "POST", LIST_PATH, Some(json!([1])));
    assert_eq!(
        json_of(&list_body),
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    );
}

#[test]
fn create_validates_before_permissions() {
    let mut w = v81(0);
    let foreign = seed::foreign_project().to_string();
    let bad = send(&mut w, "POST", LIST_PATH, Some(json!({"project": foreign, "email": "nope"})));
    assert_eq!((bad.status, json_of(&bad)), (400, json!({"email": ["Enter a valid email address."]})));
    let good = send(&mut w, "POST", LIST_PATH, Some(json!({"project": foreign, "email": "x@example.edu"})));
    assert_eq!(
        (good.status, json_of(&good)),
        (403, json!({"detail": "You do not have permission to perform this action."}))
    );
}

#[test]
fn create_project_errors_as_the_serializer_words_them() {
    let mut w = v81(0);
    let mut answer = |project: Value, email: &str| {
        json_of(&send(&mut w, "POST", LIST_PATH, Some(json!({"project": project, "email": email}))))
    };
    let non_course = seed::non_course_project().to_string();
    assert_eq!(
        answer(json!(non_course), "a@example.edu"),
        json!({"project": [format!("Object with uuid={non_course} does not exist.")]})
    );
    let missing = seed::id(1, 99).simple().to_string();
    assert_eq!(
        answer(json!(missing), "a@example.edu"),
        json!({"project": [format!("Object with uuid={missing} does not exist.")]})
    );
    assert_eq!(answer(json!("xyz"), "a@example.edu"), json!({"project": ["“xyz” is not a valid UUID."]}));
    assert_eq!(answer(Value::Null, "a@example.edu"), json!({"project": ["This field may not be null."]}));
    assert_eq!(
        answer(json!("xyz"), "bad"),
        json!({"project": ["“xyz” is not a valid UUID."], "email": ["Enter a valid email address."]}),
        "every field's errors in one body"
    );
    let undated = seed::project_without_end_date().to_string();
    assert_eq!(
        answer(json!(undated), "a@example.edu"),
        json!({"non_field_errors": ["Unable to create a course account for a course project Open-ended course without an end_date"]})
    );
}

#[test]
fn create_is_201_with_location_and_a_trimmed_checked_email() {
    let mut w = v81(0);
    let r = send(&mut w, "POST", LIST_PATH, Some(json!({"project": course(), "email": "  ada@example.edu "})));
    assert_eq!(r.status, 201);
    let a = json_of(&r);
    assert_eq!(a["email"], "ada@example.edu");
    assert_eq!(a["state"], "OK");
    assert_eq!(header(&r, "location").as_deref(), a["url"].as_str());
    let mut field = |email: &str| {
        json_of(&send(&mut w, "POST", LIST_PATH, Some(json!({"project": course(), "email": email}))))["email"].clone()
    };
    assert_eq!(field(""), json!(["This field may not be blank."]));
    assert_eq!(
        field(&format!("{}@example.edu", "a".repeat(320))),
        json!(["Ensure this field has no more than 320 characters."])
    );
    // The single create skips nothing: a second account for the same address.
    let again = send(&mut w, "POST", LIST_PATH, Some(json!({"project": course(), "email": "ada@example.edu"})));
    assert_eq!(again.status, 201);
}

#[test]
fn an_email_is_checked_as_djangos_validator_does() {
    let mut w = v81(0);
    let mut field = |email: &str| {
        let r = send(&mut w, "POST", LIST_PATH, Some(json!({"project": course(), "email": email})));
        (r.status, json_of(&r)["email"].clone())
    };
    let invalid = (400, json!(["Enter a valid email address."]));
    // The user part is an ASCII dot-atom; the domain host-name labels, the last of two or more.
    for email in ["ädä@example.edu", "a..b@example.edu", "a\u{200B}b@example.edu", "ada@example.e", "ada@-x.edu"] {
        assert_eq!(field(email), invalid, "{}", email.escape_debug());
    }
    for email in ["o'brien+x@sub.example.ac.uk", "ada@exämple.edu"] {
        assert_eq!(field(email).0, 201, "{email}");
    }
}

#[test]
fn create_bulk_skips_every_email_with_an_account_in_any_state_compared_exactly() {
    let mut w = v81(0);
    w.add(0, "closed@example.edu", "", State::Closed);
    w.add(0, "open@example.edu", "", State::Ok);
    w.add(0, "Ada@example.edu", "", State::Ok);
    let emails = ["closed@example.edu", "open@example.edu", "ada@example.edu", "new@example.edu"];
    let body =
        json!({"project": course(), "course_accounts": emails.iter().map(|e| json!({"email": e})).collect::<Vec<_>>()});
    let r = send(&mut w, "POST", &format!("{LIST_PATH}create_bulk/"), Some(body));
    assert_eq!(r.status, 202);
    let created: Vec<(String, String)> = json_of(&r)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["email"].as_str().unwrap().into(), a["state"].as_str().unwrap().into()))
        .collect();
    assert_eq!(
        created,
        [("ada@example.edu".into(), "Pending".into()), ("new@example.edu".into(), "Pending".into())],
        "Closed skipped; a case variant is another address"
    );
}

#[test]
fn create_bulk_dedupes_the_request_by_exact_email() {
    let mut w = v81(0);
    let body = json!({"project": course(), "course_accounts": [{"email": "a@example.edu", "description": "first"}, {"email": "A@example.edu"}, {"email": " a@example.edu"}]});
    let created = json_of(&send(&mut w, "POST", &format!("{LIST_PATH}create_bulk/"), Some(body)));
    let emails: Vec<&str> = created.as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
    assert_eq!(emails, ["a@example.edu", "A@example.edu"], "trimmed, then compared exactly");
    assert_eq!(created[0]["description"], "first", "the first occurrence wins");
}

#[test]
fn create_bulk_errors_come_together_and_the_empty_list_after_the_fields() {
    let mut w = v81(0);
    let url = format!("{LIST_PATH}create_bulk/");
    let both = send(
        &mut w,
        "POST",
        &url,
        Some(json!({"project": "xyz", "course_accounts": [{"email": "a@example.edu"}, {"email": "bad"}]})),
    );
    assert_eq!(
        json_of(&both),
        json!({"course_accounts": [{}, {"email": ["Enter a valid email address."]}], "project": ["“xyz” is not a valid UUID."]})
    );
    let empty = send(&mut w, "POST", &url, Some(json!({"project": course(), "course_accounts": []})));
    assert_eq!((empty.status, json_of(&empty)), (400, json!({"course_accounts": ["This field cannot be empty."]})));
    let not_a_list =
        send(&mut w, "POST", &url, Some(json!({"project": course(), "course_accounts": {"email": "a@example.edu"}})));
    assert_eq!(
        json_of(&not_a_list),
        json!({"course_accounts": {"non_field_errors": ["Expected a list of items but got type \"dict\"."]}})
    );
    let foreign = send(
        &mut w,
        "POST",
        &url,
        Some(json!({"project": seed::foreign_project(), "course_accounts": [{"email": "a@example.edu"}]})),
    );
    assert_eq!(foreign.status, 403, "after validation");
    let no_email =
        send(&mut w, "POST", &url, Some(json!({"project": course(), "course_accounts": [{"description": "x"}]})));
    assert_eq!(no_email.status, 500, "the view reads item[\"email\"]: a KeyError");
}

#[test]
fn create_bulk_on_7_8_7_creates_every_row_ok_with_200() {
    let mut w = Waldur::seeded(Flavour::V7_8_7, 0);
    w.add(0, "a@example.edu", "", State::Ok);
    let body =
        json!({"project": course(), "course_accounts": [{"email": "a@example.edu"}, {"email": "a@example.edu"}]});
    let r = send(&mut w, "POST", &format!("{LIST_PATH}create_bulk/"), Some(body));
    assert_eq!(r.status, 200);
    let rows = json_of(&r);
    let states: Vec<&str> = rows.as_array().unwrap().iter().map(|a| a["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["OK", "OK"], "no dedupe, no skip");
}

#[test]
fn destroy_closes_with_204_and_409_names_core_states() {
    let mut w = v81(1);
    let uuid = w.accounts[0].uuid;
    let r = send(&mut w, "DELETE", &item(uuid, ""), None);
    assert_eq!((r.status, r.body.is_empty()), (204, true));
    assert_eq!(w.accounts[0].state, State::Closed);
    let again = send(&mut w, "DELETE", &item(uuid, ""), None);
    assert_eq!(
        (again.status, json_of(&again)),
        (409, json!({"detail": "Valid states for operation: UPDATE_SCHEDULED, OK."}))
    );
}

#[test]
fn retry_makes_an_erred_account_pending_with_202_and_409_otherwise() {
    let mut w = v81(0);
    let erred = w.add(0, "e@example.edu", "", State::Erred);
    let uuid = w.accounts[erred].uuid;
    let r = send(&mut w, "POST", &item(uuid, "retry/"), None);
    assert_eq!(r.status, 202);
    assert_eq!(json_of(&r)["state"], "Pending");
    let again = send(&mut w, "POST", &item(uuid, "retry/"), None);
    assert_eq!((again.status, json_of(&again)), (409, json!({"detail": "Valid states for operation: OK."})));
    let missing = send(&mut w, "POST", &item(seed::id(9, 9), "retry/"), None);
    assert_eq!(missing.status, 404);
}

fn bulk(w: &mut Waldur, emails: &[&str]) -> Vec<Value> {
    let body =
        json!({"project": course(), "course_accounts": emails.iter().map(|e| json!({"email": e})).collect::<Vec<_>>()});
    let r = send(w, "POST", &format!("{LIST_PATH}create_bulk/"), Some(body));
    assert_eq!(r.status, 202, "{}", json_of(&r));
    json_of(&r).as_array().unwrap().clone()
}

/// The account as a GET answers it now (the GET settles whatever is due first).
fn fetch(w: &mut Waldur, account: &Value) -> Value {
    let uuid: uuid::Uuid = account["uuid"].as_str().unwrap().parse().unwrap();
    json_of(&send(w, "GET", &item(uuid, ""), None))
}

fn service(delay_ms: u64, erred_per_mille: u16) -> Provisioning {
    Provisioning::on(Duration::from_millis(delay_ms), erred_per_mille, 1)
}

#[test]
fn provisioning_success_makes_the_row_ok_with_the_services_user() {
    let mut w = v81(0);
    w.provisioning = service(0, 0);
    let created = bulk(&mut w, &["a@example.edu", "b@example.edu", "c@example.edu"]);
    assert!(created.iter().all(|a| a["state"] == "Pending" && a.get("user_uuid").is_none()), "{created:?}");
    assert_eq!(w.pending_queue_len(), 3, "one task per created row");
    for a in &created {
        let now = fetch(&mut w, a);
        assert_eq!(now["state"], "OK", "{now}");
        let n = u64::from_str_radix(&a["uuid"].as_str().unwrap()[20..], 16).unwrap();
        assert_eq!(now["username"], format!("course_{n:05}"));
        assert_eq!(now["user_uuid"], seed::id(3, n).simple().to_string());
        assert_eq!(
            (&now["error_message"], &now["modified"]),
            (&json!(""), &a["modified"]),
            "update_fields: user, state"
        );
    }
    assert_eq!(w.pending_queue_len(), 0);
}

#[test]
fn provisioning_failure_makes_the_row_erred_with_a_message_and_no_user() {
    let mut w = v81(0);
    w.provisioning = service(0, 1000);
    let created = bulk(&mut w, &["a@example.edu"]);
    let now = fetch(&mut w, &created[0]);
    assert_eq!(now["state"], "Erred");
    assert_eq!(now["error_message"], REFUSED);
    assert_eq!(now["error_traceback"], "", "the task does not set the traceback");
    assert!(now.get("user_uuid").is_none() && now.get("username").is_none(), "{now}");
    // No Celery retry: it stays Erred.
    w.provisioning = service(0, 0);
    assert_eq!(fetch(&mut w, &created[0])["state"], "Erred");
    assert_eq!(w.pending_queue_len(), 0);
}

#[test]
fn with_the_service_off_pending_rows_stay_pending_for_good() {
    let mut w = v81(0);
    assert_eq!(w.provisioning, Provisioning::off(), "the default");
    let created = bulk(&mut w, &["a@example.edu"]);
    assert_eq!(w.pending_queue_len(), 0, "the task returns at once: nothing waits for the service");
    w.settle_all_now();
    let erred = w.add(0, "e@example.edu", "", State::Erred);
    let target = item(w.accounts[erred].uuid, "retry/");
    let retried = send(&mut w, "POST", &target, None);
    assert_eq!(retried.status, 202);
    // Turning the service on later does not run tasks that have already returned.
    w.provisioning = service(0, 0);
    w.settle_all_now();
    assert_eq!(fetch(&mut w, &created[0])["state"], "Pending");
    assert_eq!(fetch(&mut w, &json_of(&retried))["state"], "Pending");
}

#[test]
fn pending_rows_settle_at_the_first_request_after_their_delay_in_due_order() {
    let mut w = v81(0);
    w.provisioning = service(3_600_000, 0);
    let late = bulk(&mut w, &["late@example.edu"]);
    w.provisioning = service(300, 0);
    let soon = bulk(&mut w, &["soon@example.edu"]);
    assert_eq!(
        (fetch(&mut w, &late[0])["state"].clone(), fetch(&mut w, &soon[0])["state"].clone()),
        (json!("Pending"), json!("Pending"))
    );
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(w.pending_queue_len(), 2, "nothing settles between requests");
    assert_eq!(fetch(&mut w, &soon[0])["state"], "OK", "due first, though queued second");
    assert_eq!(fetch(&mut w, &late[0])["state"], "Pending", "not due for an hour");
    assert_eq!(w.pending_queue_len(), 1);
    w.settle_all_now();
    assert_eq!(fetch(&mut w, &late[0])["state"], "OK");
}

#[test]
fn retry_clears_the_error_and_queues_a_new_attempt() {
    let mut w = v81(0);
    w.provisioning = service(0, 1000);
    let emails: Vec<String> = (0..10).map(|i| format!("s{i}@example.edu")).collect();
    let created = bulk(&mut w, &emails.iter().map(String::as_str).collect::<Vec<_>>());
    // Every first attempt fails; then half of all attempts do, each attempt decided on its own.
    w.provisioning = service(0, 500);
    let mut retries = 0;
    for a in &created {
        let uuid: uuid::Uuid = a["uuid"].as_str().unwrap().parse().unwrap();
        for _ in 0..20 {
            let now = fetch(&mut w, a);
            if now["state"] == "OK" {
                break;
            }
            assert_eq!((&now["state"], &now["error_message"]), (&json!("Erred"), &json!(REFUSED)));
            let r = send(&mut w, "POST", &item(uuid, "retry/"), None);
            let body = json_of(&r);
            assert_eq!((r.status, &body["state"], &body["error_message"]), (202, &json!("Pending"), &json!("")));
            assert_eq!(w.pending_queue_len(), 1, "queued again");
            retries += 1;
        }
        assert_eq!(fetch(&mut w, a)["state"], "OK", "a later attempt succeeds: {a}");
    }
    assert!(retries > created.len(), "some retries failed again: {retries} retries for {} rows", created.len());
}

#[test]
fn closing_an_erred_account_that_never_got_a_user_works() {
    let mut w = v81(0);
    w.provisioning = service(0, 1000);
    let created = bulk(&mut w, &["a@example.edu"]);
    let erred = fetch(&mut w, &created[0]);
    assert!(erred["state"] == "Erred" && erred.get("user_uuid").is_none(), "{erred}");
    let uuid: uuid::Uuid = erred["uuid"].as_str().unwrap().parse().unwrap();
    let r = send(&mut w, "DELETE", &item(uuid, ""), None);
    assert_eq!((r.status, r.body.is_empty()), (204, true));
    let closed = fetch(&mut w, &created[0]);
    assert!(closed["state"] == "Closed" && closed.get("user_uuid").is_none(), "{closed}");
}

/// The table and this file agree: every row names a test here, every test here has a row.
#[test]
fn every_row_of_the_table_has_a_test_and_every_test_a_row() {
    let table = include_str!("../BEHAVIOURS.md");
    let this = include_str!("behaviours.rs");
    let tests: Vec<&str> = this
        .split("#[test]\nfn ")
        .skip(1)
        .map(|rest| rest.split('(').next().unwrap())
        .filter(|name| *name != "every_row_of_the_table_has_a_test_and_every_test_a_row")
        .collect();
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("| ") && l.contains("`behaviours::")).collect();
    for test in &tests {
        assert!(table.contains(&format!("`behaviours::{test}`")), "test {test} has no row in BEHAVIOURS.md");
    }
    for row in &rows {
        let named = row.split("`behaviours::").nth(1).unwrap().split('`').next().unwrap();
        assert!(tests.contains(&named), "BEHAVIOURS.md names `behaviours::{named}`, which is not a test");
    }
    assert_eq!(rows.len(), tests.len(), "one row per test");
}
