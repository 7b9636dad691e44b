//! The list benchmark's server: the stand-in's own answers, each computed once by
//! [`Waldur::handle`] and served again from memory. A list benchmark never changes the data, so an
//! answer stays right; what the clients are compared on is then their own work, not the stand-in
//! filtering and ordering 100,000 rows for every page (`--list-server standin` measures with that
//! cost, for comparison). The answers are byte for byte the stand-in's: the same routes, through
//! the same HTTP server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use waldur_course_accounts_testkit::http::{HttpRequest, HttpResponse, Server, handler};
use waldur_course_accounts_testkit::{StandIn, Waldur};

/// What answers the clients that list (`--list-server`).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListServer {
    /// The stand-in's answers, remembered: the clients' own cost.
    Memo,
    /// The stand-in itself: its filtering, ordering and serializing for every page as well.
    Standin,
}

impl ListServer {
    pub fn name(self) -> &'static str {
        match self {
            ListServer::Memo => "memo",
            ListServer::Standin => "standin",
        }
    }
}

/// A running server of either kind, kept alive for as long as the clients run.
pub enum ListAnswers {
    Memo(Memo),
    StandIn(StandIn),
}

impl ListAnswers {
    pub async fn start(kind: ListServer, waldur: Waldur) -> Result<ListAnswers, String> {
        Ok(match kind {
            ListServer::Memo => ListAnswers::Memo(Memo::start(waldur).await.map_err(|e| e.to_string())?),
            ListServer::Standin => ListAnswers::StandIn(StandIn::start(waldur).await.map_err(|e| e.to_string())?),
        })
    }

    pub fn base_url(&self) -> String {
        match self {
            ListAnswers::Memo(m) => m.base_url(),
            ListAnswers::StandIn(s) => s.base_url(),
        }
    }
}

/// What decides an answer: everything of the request the stand-in reads, bar the body (a GET has
/// none). `Host` is in it because the links in an answer are built from it.
type Key = (String, String, Option<String>, Option<String>, Option<String>);

pub struct Memo {
    server: Server,
}

impl Memo {
    /// Serves `waldur` on 127.0.0.1, any free port.
    pub async fn start(waldur: Waldur) -> std::io::Result<Memo> {
        let waldur = Arc::new(Mutex::new(waldur));
        let answers: Arc<Mutex<HashMap<Key, HttpResponse>>> = Arc::default();
        let router = handler(move |request: HttpRequest| std::future::ready(answer(&waldur, &answers, &request)));
        let server = Server::start(([127, 0, 0, 1], 0).into(), router).await?;
        Ok(Memo { server })
    }

    pub fn base_url(&self) -> String {
        self.server.uri()
    }
}

fn answer(waldur: &Mutex<Waldur>, answers: &Mutex<HashMap<Key, HttpResponse>>, request: &HttpRequest) -> HttpResponse {
    let owned = |name: &str| request.header(name).map(str::to_string);
    let key =
        (request.method.clone(), request.path.clone(), request.query.clone(), owned("host"), owned("authorization"));
    let reads = matches!(request.method.as_str(), "GET" | "HEAD");
    if reads && let Some(known) = answers.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return known.clone();
    }
    let response = waldur.lock().unwrap_or_else(PoisonError::into_inner).handle(request);
    let mut answers = answers.lock().unwrap_or_else(PoisonError::into_inner);
    if reads {
        answers.insert(key, response.clone());
    } else {
        // Anything else may change the data: nothing remembered holds any more.
        answers.clear();
    }
    response
}
