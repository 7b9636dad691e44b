//! The change report: the changes found, the fixups that misfit or were fixed upstream, the semver
//! bump they ask for, and its rendering for humans and as JSON.

use serde_json::{Value, json};

use super::{Bump, Change, Class};
use crate::fixups::Misfit;

#[derive(Debug, Clone)]
pub struct Report {
    pub from: String,
    pub to: String,
    pub changes: Vec<Change>,
    /// Fixups that fit neither their bug nor its fix in one of the documents (with its release). Every
    /// other fixup still gave the crate's view; only the changes a misfit touches are uncertain.
    pub misfits: Vec<(String, Misfit)>,
    /// Fixups whose bug the old document has and the new one no longer: upstream fixed them.
    pub fixed_upstream: Vec<&'static str>,
}

impl Report {
    pub fn bump(&self) -> Bump {
        if self.changes.iter().any(|c| c.class() == Class::Breaking) {
            Bump::Major
        } else if self.changes.is_empty() {
            Bump::Patch
        } else {
            Bump::Minor
        }
    }

    /// The version of the release that follows this report: the bump it asks for, with the schema
    /// release as build metadata (`0.2.0+waldur.8.1.2`).
    pub fn next_version(&self, crate_version: &str) -> String {
        self.version_after(crate_version, self.bump())
    }

    /// `crate_version` moved by `bump`, with this report's schema release as build metadata.
    pub fn version_after(&self, crate_version: &str, bump: Bump) -> String {
        format!("{}+waldur.{}", bump.next(crate_version), self.to)
    }

    pub fn has_breaking(&self) -> bool {
        self.bump() == Bump::Major
    }

    /// The report for humans; `crate_version` is the client crate's current version.
    pub fn human(&self, crate_version: &str) -> String {
        let mut out = format!("API changes from Waldur {} to {}\n", self.from, self.to);
        if !self.fixed_upstream.is_empty() {
            out.push_str(&format!(
                "\nfixed upstream in Waldur {} (the fixups find the fix and step aside; the crate's types stay):\n",
                self.to
            ));
            for name in &self.fixed_upstream {
                let since = crate::fixups::named(name).and_then(|f| f.fixed_in.as_ref());
                let since = since.map_or_else(
                    || format!("fixed_in not recorded yet: set it to {}", self.to),
                    |release| format!("fixed_in: {release}"),
                );
                out.push_str(&format!("  - {name} ({since})\n"));
            }
        }
        for (release, misfit) in &self.misfits {
            out.push_str(&format!(
                "\nuncertain: fixup `{}` does not fit Waldur {release} ({}); the changes it touches are compared as \
                 published and marked (uncertain)\n",
                misfit.fixup, misfit.why
            ));
        }
        for class in [Class::Breaking, Class::Compatible] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.class() == class).collect();
            out.push_str(&format!("\n{} ({}):\n", class.as_str(), changes.len()));
            if changes.is_empty() {
                out.push_str("  none\n");
            }
            for c in changes {
                let mark = c.uncertain.map(|f| format!(" (uncertain: `{f}` does not fit)")).unwrap_or_default();
                out.push_str(&format!("  - {}: {}{mark}\n", c.location, c.detail));
            }
        }
        let bump = self.bump();
        out.push_str(&format!(
            "\nsemver: {} change; next crate version {} (from {crate_version}, with +waldur.{} build metadata)\n",
            bump.as_str(),
            bump.next(crate_version),
            self.to
        ));
        out
    }

    pub fn json(&self, crate_version: &str) -> Value {
        let bump = self.bump();
        json!({
            "from": self.from,
            "to": self.to,
            "from_version": crate_version,
            "semver": bump.as_str(),
            "next_version": self.next_version(crate_version),
            "basis": "crate",
            "fixed_upstream": self.fixed_upstream,
            "misfits": self.misfits.iter().map(|(release, m)| json!({"release": release, "fixup": m.fixup, "why": m.why})).collect::<Vec<_>>(),
            "changes": self.changes.iter().map(|c| {
                let mut change = json!({
                    "class": c.class().as_str(),
                    "kind": c.kind.as_str(),
                    "location": c.location.to_string(),
                    "detail": c.detail,
                });
                if let Some(fixup) = c.uncertain {
                    change["uncertain"] = json!(fixup);
                }
                change
            }).collect::<Vec<_>>(),
        })
    }
}
