//! Argument handling shared by the examples: `--base-url URL` (default: the mock on 127.0.0.1:8787)
//! and the token from `WALDUR_TOKEN` (the mock accepts any).

#![allow(dead_code)]

use waldur_course_accounts::{Client, Token};

pub struct Args {
    pub base_url: String,
    pub rest: Vec<String>,
}

pub fn args() -> Args {
    let mut base_url = "http://127.0.0.1:8787".to_string();
    let mut rest = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--base-url" => base_url = it.next().expect("--base-url needs a value"),
            _ => rest.push(arg),
        }
    }
    Args { base_url, rest }
}

pub fn client(args: &Args) -> Result<Client, waldur_course_accounts::Error> {
    let token = Token::from_env("WALDUR_TOKEN").unwrap_or_else(|| Token::new("mock-token"));
    Client::new(&args.base_url, token)
}
