//! The list action, and HEAD on it, in the steps Waldur takes: the query's filters and ordering are
//! checked together (django-filter's `CourseAccountFilter`: one 400 naming every bad value), the
//! visible accounts are filtered and ordered, the page size and the page are read (`core/pagination.py`
//! `LinkHeaderPagination` over Django's `Paginator`: 404 "Invalid page."), and the page is answered as
//! a bare array with `X-Result-Count` and `Link`. HEAD is the same action without the body (DRF maps
//! `head` to the list), so it has the same status and headers; only the body is not built.

use std::cmp::Ordering;

use bytes::Bytes;
use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use super::validate::detail;
use super::{Account, DEFAULT_PAGE_SIZE, Flavour, MAX_PAGE_SIZE, ORDERING_KEYS, State, Waldur};
use crate::http::{HttpRequest, HttpResponse};

impl Waldur {
    pub(super) fn list(&self, request: &HttpRequest, base: &str) -> HttpResponse {
        let query = Query(request.query_pairs());
        let filters = match Filters::parse(&query, self.flavour) {
            Ok(f) => f,
            Err(refused) => return refused,
        };
        let matching = self.ordered(self.matching(&filters), &filters.ordering);
        let Some(page) = Page::of(&query, matching.len()) else {
            return detail(404, "Invalid page.");
        };
        let mut response = HttpResponse::empty(200).with_header("content-type", "application/json");
        if request.method != "HEAD" {
            response.body = self.page_body(page.rows(&matching), base);
        }
        response
            .with_header("x-result-count", matching.len().to_string())
            .with_header("link", page.links(base, &request.path, &query))
    }

    /// The visible accounts `f` admits, in the order they were added.
    fn matching(&self, f: &Filters) -> Vec<usize> {
        self.accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| self.projects[a.project].accessible && f.admits(self, a))
            .map(|(i, _)| i)
            .collect()
    }

    /// `rows` in the order the `o` keys ask for (default: `created`, models.py
    /// `CourseAccount.Meta.ordering`). A stable sort: rows equal under every key keep their order.
    fn ordered(&self, mut rows: Vec<usize>, ordering: &[String]) -> Vec<usize> {
        let default = ["created".to_string()];
        let keys: &[String] = if ordering.is_empty() { &default } else { ordering };
        rows.sort_by(|a, b| {
            for key in keys {
                let (field, descending) = match key.strip_prefix('-') {
                    Some(f) => (f, true),
                    None => (key.as_str(), false),
                };
                let ord = self.compare(&self.accounts[*a], &self.accounts[*b], field);
                let ord = if descending { ord.reverse() } else { ord };
                if ord.is_ne() {
                    return ord;
                }
            }
            Ordering::Equal
        });
        rows
    }

    /// One ordering key, as PostgreSQL orders it: NULLs after every value ascending (so first
    /// descending); `state` by its stored integer (marketplace/enums.py: OK 1, Closed 2, Erred 3,
    /// Pending 4).
    fn compare(&self, a: &Account, b: &Account, field: &str) -> Ordering {
        fn nulls_last<T: Ord>(a: Option<T>, b: Option<T>) -> Ordering {
            match (a, b) {
                (Some(a), Some(b)) => a.cmp(&b),
                (a, b) => a.is_none().cmp(&b.is_none()),
            }
        }
        let (pa, pb) = (&self.projects[a.project], &self.projects[b.project]);
        match field {
            "created" => a.created.cmp(&b.created),
            "modified" => a.modified.cmp(&b.modified),
            "state" => (a.state as u8).cmp(&(b.state as u8)),
            "email" => a.email.cmp(&b.email),
            "username" => nulls_last(a.username.as_ref(), b.username.as_ref()),
            "project_name" => pa.name.cmp(&pb.name),
            "project_start_date" => nulls_last(pa.start, pb.start),
            "project_end_date" => nulls_last(pa.end, pb.end),
            _ => Ordering::Equal,
        }
    }

    /// The page's accounts as one JSON array.
    fn page_body(&self, rows: &[usize], base: &str) -> Bytes {
        let page: Vec<Value> = rows.iter().map(|i| self.serialize(&self.accounts[*i], base)).collect();
        Bytes::from(serde_json::to_vec(&page).expect("a JSON value serializes"))
    }
}

/// The decoded query, read as Django's `QueryDict` is.
struct Query(Vec<(String, String)>);

impl Query {
    /// A key's value; of a repeated key the last one (`QueryDict.get`).
    fn last(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A filter's value: the last one, and none when it is empty (django-filter ignores empty values).
    fn filter(&self, key: &str) -> Option<&str> {
        self.last(key).filter(|v| !v.is_empty())
    }

    /// Every non-empty value of a repeated key, in order (a multiple-choice filter).
    fn every(&self, key: &str) -> impl Iterator<Item = &str> {
        self.0.iter().filter(move |(k, v)| k == key && !v.is_empty()).map(|(_, v)| v.as_str())
    }
}

/// The list filters and ordering of one request, checked.
#[derive(Debug, Default)]
struct Filters {
    states: Vec<State>,
    email: Option<String>,
    username: Option<String>,
    project: Option<Uuid>,
    start: [Option<NaiveDate>; 2],
    end: [Option<NaiveDate>; 2],
    ordering: Vec<String>,
}

impl Filters {
    /// The filters of `CourseAccountFilter` (marketplace/filters.py) and its `o`, checked together:
    /// every bad value is one key of a single 400 body (django-filter).
    fn parse(query: &Query, flavour: Flavour) -> Result<Filters, HttpResponse> {
        let mut errors = serde_json::Map::new();
        let mut f = Filters::default();
        for label in query.every("state") {
            match State::parse(label, flavour) {
                Some(state) => f.states.push(state),
                None => {
                    errors.insert("state".into(), not_a_choice(label));
                }
            }
        }
        // `project_start_date` / `project_end_date` are DateFromToRangeFilters: errors keyed on the
        // filter's name, not on the `_after`/`_before` parameter.
        for (name, bounds) in [("project_start_date", &mut f.start), ("project_end_date", &mut f.end)] {
            for (n, suffix) in ["_after", "_before"].iter().enumerate() {
                if let Some(v) = query.filter(&format!("{name}{suffix}")) {
                    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                        Ok(d) => bounds[n] = Some(d),
                        Err(_) => {
                            errors.insert(name.into(), json!(["Enter a valid date."]));
                        }
                    }
                }
            }
        }
        if let Some(v) = query.filter("project_uuid") {
            match Uuid::parse_str(v) {
                Ok(u) => f.project = Some(u),
                Err(_) => {
                    errors.insert("project_uuid".into(), json!(["Enter a valid UUID."]));
                }
            }
        }
        f.email = query.filter("email").map(str::to_lowercase);
        f.username = query.filter("username").map(str::to_string);
        // One comma-joined value (OrderingFilter), so the last `o` wins.
        for key in query.filter("o").unwrap_or_default().split(',').filter(|k| !k.is_empty()) {
            if !ORDERING_KEYS.contains(&key.trim_start_matches('-')) {
                errors.insert("o".into(), not_a_choice(key));
            }
            f.ordering.push(key.to_string());
        }
        if errors.is_empty() { Ok(f) } else { Err(HttpResponse::json(400, &Value::Object(errors))) }
    }

    /// Whether account `a` passes every filter: `state` any of those given, `email` icontains,
    /// `username` exact (on the user, so never an account without one), the project's uuid, and its
    /// dates within the inclusive `_after`/`_before` bounds.
    fn admits(&self, waldur: &Waldur, a: &Account) -> bool {
        let within = |d: Option<NaiveDate>, [lo, hi]: [Option<NaiveDate>; 2]| {
            (lo.is_none() && hi.is_none())
                || d.is_some_and(|d| lo.is_none_or(|lo| d >= lo) && hi.is_none_or(|hi| d <= hi))
        };
        let p = &waldur.projects[a.project];
        (self.states.is_empty() || self.states.contains(&a.state))
            && self.email.as_ref().is_none_or(|e| a.email.to_lowercase().contains(e))
            && self.username.as_ref().is_none_or(|u| a.username.as_ref() == Some(u))
            && self.project.is_none_or(|u| p.uuid == u)
            && within(p.start, self.start)
            && within(p.end, self.end)
    }
}

/// django-filter's message for a value a choice filter does not offer.
fn not_a_choice(value: &str) -> Value {
    json!([format!("Select a valid choice. {value} is not one of the available choices.")])
}

/// The page a request asks for, of `total` matching accounts.
struct Page {
    number: usize,
    last: usize,
    size: usize,
}

impl Page {
    /// `page_size` (core/pagination.py: `page_size_query_param`, `max_page_size` 300; DRF falls back
    /// to the default for 0, a negative or a non-number, and clamps to the maximum), then `page`
    /// (Django's Paginator: `last` names the last page; anything else not in 1..=last is `None`, the
    /// 404). Page 1 of nothing exists: an empty list has one, empty, page.
    fn of(query: &Query, total: usize) -> Option<Page> {
        let size = query
            .last("page_size")
            .and_then(|v| v.trim().trim_start_matches('+').parse::<u128>().ok())
            .filter(|n| *n > 0)
            .map_or(DEFAULT_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE as u128) as usize);
        let last = total.div_ceil(size).max(1);
        let number = match query.last("page") {
            None => 1,
            Some("last") => last,
            Some(v) => v.trim().parse::<usize>().ok().filter(|n| (1..=last).contains(n))?,
        };
        Some(Page { number, last, size })
    }

    /// The page's share of the ordered `rows`.
    fn rows<'a>(&self, rows: &'a [usize]) -> &'a [usize] {
        let start = ((self.number - 1) * self.size).min(rows.len());
        &rows[start..(start + self.size).min(rows.len())]
    }

    /// `LinkHeaderPagination.get_paginated_response`'s `Link`: `first` and `last` always, `prev`
    /// and `next` where there is such a page.
    fn links(&self, base: &str, path: &str, query: &Query) -> String {
        let link = |n: usize| page_link(base, path, &query.0, n);
        let mut links = vec![format!("<{}>; rel=\"first\"", link(1))];
        if self.number > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link(self.number - 1)));
        }
        if self.number < self.last {
            links.push(format!("<{}>; rel=\"next\"", link(self.number + 1)));
        }
        links.push(format!("<{}>; rel=\"last\"", link(self.last)));
        links.join(", ")
    }
}

/// A page link as core/pagination.py `LinkHeaderPagination` builds it with DRF's
/// `replace_query_param` / `remove_query_param`: the query re-encoded with keys sorted (a repeated
/// key's values stay in their order), `page` set, or removed for page 1 (the `first` link, `prev`
/// to page 1, `last` of a single page).
fn page_link(base: &str, path: &str, query: &[(String, String)], page: usize) -> String {
    let mut pairs: Vec<(String, String)> = query.iter().filter(|(k, _)| k != "page").cloned().collect();
    if page > 1 {
        pairs.push(("page".into(), page.to_string()));
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if pairs.is_empty() {
        return format!("{base}{path}");
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{base}{path}?{encoded}")
}
