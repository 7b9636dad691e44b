//! Contract testing for the course-accounts client: recordings of real interactions, checked against
//! the spec, served by a strict replay server, produced by a recording proxy, and the scenarios that
//! drive the client through them. Also the stand-in Waldur the recorder is tested against.

pub mod conformance;
pub mod http;
pub mod record;
pub mod recording;
pub mod replay;
pub mod scenarios;
pub mod standin;
