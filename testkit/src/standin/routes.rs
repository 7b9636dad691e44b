//! The stand-in's routes, laid out as DRF's router lays out `CourseAccountViewSet`'s: the list (GET,
//! HEAD, POST), `create_bulk/` (POST), `{uuid}/` (GET, HEAD, DELETE) and, from 8.0.7, `{uuid}/retry/`
//! (POST), on axum. Checked in Waldur's order: the token first (on every path), then the route (none
//! matches: Django's HTML 404 page), then the method (DRF's 405, before any account is looked up),
//! then the action. Before all of it, whatever Waldur's worker would have done by now is done: every
//! provisioning task that is due settles its row (`provisioning`), so a request sees the rows as they
//! stand at the moment it arrives.
//!
//! None of axum's own answers gets out: each route falls back to DRF's 405 through `any(..)` (which
//! also keeps axum from adding the `Allow` header the stand-in never sent), the router falls back to
//! Django's 404 page, and every handler takes the request as an [`HttpRequest`], which refuses nothing.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use super::validate::{detail, django_not_found, method_not_allowed};
use super::{Flavour, LIST_PATH, Waldur};
use crate::http::{HttpRequest, HttpResponse};

/// The data as every route reaches it.
pub(super) type Shared = Arc<Mutex<Waldur>>;

pub(super) fn router(waldur: Shared) -> Router {
    let account = format!("{LIST_PATH}{{account}}/");
    Router::new()
        // `get` answers HEAD too, without the body: DRF maps `head` to the same action.
        .route(LIST_PATH, any(not_allowed).get(list).post(create))
        .route(&format!("{LIST_PATH}create_bulk/"), any(not_allowed).post(create_bulk))
        // The method comes before the lookup (DRF dispatch; PUT/PATCH are `disabled_actions`, refused
        // in `ActionsViewSet.initial` before `get_object`): 405 even for an account that does not exist.
        .route(&account, any(not_allowed).get(retrieve).delete(destroy))
        .route(
            &format!("{account}retry/"),
            any(not_allowed).post(retry).layer(from_fn_with_state(waldur.clone(), since_8_0_7)),
        )
        .fallback(no_route)
        .layer(from_fn_with_state(waldur.clone(), authenticate))
        // The outermost layer: every request, on any path, with any token, passes through it.
        .layer(from_fn_with_state(waldur.clone(), settle))
        .with_state(waldur)
}

fn lock(waldur: &Shared) -> MutexGuard<'_, Waldur> {
    waldur.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The background work that is due by now: the course service's answers to queued rows.
async fn settle(State(waldur): State<Shared>, request: Request, next: Next) -> Response {
    lock(&waldur).settle_due(std::time::Instant::now());
    next.run(request).await
}

async fn authenticate(State(waldur): State<Shared>, request: Request, next: Next) -> Response {
    let header = request.headers().get(AUTHORIZATION).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let verdict = lock(&waldur).authenticate(header.as_deref());
    match verdict {
        Ok(()) => next.run(request).await,
        Err(denied) => denied.into_response(),
    }
}

/// `retry/` exists from 8.0.7 on: on 7.8.7 the path is no route at all, whatever the method. Read
/// per request, as the flavour is the data's and a test may change it.
async fn since_8_0_7(State(waldur): State<Shared>, request: Request, next: Next) -> Response {
    let flavour = lock(&waldur).flavour;
    if flavour == Flavour::V7_8_7 {
        return django_not_found().into_response();
    }
    next.run(request).await
}

/// The account a path names, as sent: the segment after the list's path. axum's `Path` would
/// percent-decode it (and answer a bad escape with its own 400); the stand-in looks the id up as
/// written, and an id it cannot read is DRF's "Not found.".
fn account_segment(request: &HttpRequest) -> &str {
    request.path.strip_prefix(LIST_PATH).and_then(|rest| rest.split('/').next()).unwrap_or_default()
}

async fn list(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    lock(&waldur).list(&request, &Waldur::base_url(&request))
}

async fn create(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    lock(&waldur).create(&request, &Waldur::base_url(&request))
}

async fn create_bulk(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    lock(&waldur).create_bulk(&request, &Waldur::base_url(&request))
}

async fn retrieve(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    let waldur = lock(&waldur);
    match waldur.find(account_segment(&request)) {
        Ok(i) => HttpResponse::json(200, &waldur.serialize(&waldur.accounts[i], &Waldur::base_url(&request))),
        Err(missing) => missing,
    }
}

async fn destroy(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    let mut waldur = lock(&waldur);
    match waldur.find(account_segment(&request)) {
        Ok(i) => waldur.delete(i),
        Err(missing) => missing,
    }
}

async fn retry(State(waldur): State<Shared>, request: HttpRequest) -> HttpResponse {
    let mut waldur = lock(&waldur);
    match waldur.find(account_segment(&request)) {
        Ok(i) => waldur.retry(i, &Waldur::base_url(&request)),
        Err(missing) => missing,
    }
}

async fn not_allowed(request: HttpRequest) -> HttpResponse {
    method_not_allowed(&request.method)
}

/// No route matches: Django's 404 page. Except for one shape the stand-in has always answered as an
/// account although no route of Waldur's matches it (Waldur answers the 404 page): one segment,
/// possibly empty, followed by two or more slashes (`{LIST_PATH}x//`). It names no account the
/// stand-in can read, so it is "Not found." for the methods an account has, 405 for the others.
async fn no_route(request: HttpRequest) -> HttpResponse {
    let account_like = request
        .path
        .strip_prefix(LIST_PATH)
        .is_some_and(|rest| rest.ends_with("//") && !rest.trim_end_matches('/').contains('/'));
    match request.method.as_str() {
        _ if !account_like => django_not_found(),
        "GET" | "HEAD" | "DELETE" => detail(404, "Not found."),
        other => method_not_allowed(other),
    }
}
