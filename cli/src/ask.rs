//! Asking before a change, the one way every command asks (`close --all`, `--ended`, `--email`,
//! `sync`): only on a terminal (without one, and without `--yes`, the command refuses: a script must
//! say `--yes`), the question through the guarded output, `y`, `yes` (or `Y`, `Yes`, `YES`) the only yes.

use std::io::{BufRead, IsTerminal};

use crate::Failure;

/// Asks `question`; `change` names what would be done (for the refusal without a terminal) and
/// `declined` is printed when the answer is no.
pub fn confirm(question: &str, change: &str, declined: &str) -> Result<bool, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Error(format!(
            "refusing to {change} without confirmation: stdin is not a terminal; pass --yes"
        )));
    }
    crate::output::bytes(question.as_bytes())?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let yes = matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes");
    if !yes {
        out!("{declined}")?;
    }
    Ok(yes)
}
