//! Test code that calls Waldur's course-accounts API without a Waldur server.
//!
//! - [`StandIn`]: an in-process, stateful stand-in Waldur on loopback (`start() -> base_url`) that
//!   follows Waldur's own code (each rule, its source and its test: `BEHAVIOURS.md`): token auth,
//!   page-number pagination with `X-Result-Count` and `Link`, every filter and ordering, DRF error
//!   bodies, states, 404/405/409; a course service that settles Pending rows after a delay
//!   ([`Provisioning`], off by default) and a term of several courses around a day ([`Waldur::term`]).
//!   It keeps a log of the requests it answered, so a test can prove what was (not) sent.
//!   [`Waldur::import`] adds an account from a server's JSON answer.
//! - [`faults`]: a seeded fault-injecting proxy to put between a client and the stand-in.
//! - [`http`]: the HTTP side the stand-in is built on (requests, responses, a server on axum).
//!
//! The recording format, the strict replay server and the `waldur-mock` binary belong to this
//! repository's contract tests (package `contract-tests`, `tests/contract/`), not to this crate.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use waldur_course_accounts_testkit::{Flavour, StandIn, Waldur};
//!
//! let waldur = StandIn::start(Waldur::seeded(Flavour::V8_1, 25)).await?;
//! let base_url = waldur.base_url(); // http://127.0.0.1:PORT, token: waldur.token()
//! # Ok(()) }
//! ```

pub mod faults;
pub mod http;
pub mod standin;

pub use standin::{Flavour, LoggedRequest, Provisioning, StandIn, Waldur};
