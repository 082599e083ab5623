//! What a check says and how a finding of it is built: the check's metadata, the builder
//! that fills in the place, the fix's placeholders and the fingerprint.

use super::{Finding, Severity};
use crate::model::{Part, RestApi, Snapshot};
use compact_str::CompactString;
use std::borrow::Cow;

/// What a check is and how to fix what it finds. `gatecheck checks` and `docs/checks.md`
/// are generated from this; `gatecheck checks --format json` is it, serialized.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct CheckMeta {
    /// Stable id, `GC` and three digits; the first digit is the group.
    pub id: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Default severity; a check may raise or lower it for one finding and says why.
    pub severity: Severity,
    /// When a finding's severity differs from the default, as the docs show it beside the
    /// default ("high when a custom domain maps the API"); empty when it never does.
    pub severity_note: &'static str,
    pub title: &'static str,
    /// What a caller sees.
    pub symptom: &'static str,
    /// Why API Gateway behaves that way.
    pub why: &'static str,
    /// What to change, with the console path.
    pub fix: &'static str,
    /// The AWS CLI command that fixes it. `{api_id}`, `{stage}`, `{region}` and the like are
    /// filled from the finding; what cannot be filled is shown as `<api_id>`.
    pub cli: &'static str,
    pub docs_url: &'static str,
    /// The parts of the snapshot this check relies on: a part that could not be read blinds it.
    #[serde(serialize_with = "part_names")]
    pub reads: &'static [Part],
}

/// The parts as the docs name them ("usage plans' keys").
fn part_names<S: serde::Serializer>(parts: &&'static [Part], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(parts.iter().map(|p| p.as_str()))
}

impl CheckMeta {
    /// Starts a finding of this check in the snapshot's account and region.
    pub fn finding<'a>(&'static self, snapshot: &Snapshot) -> FindingBuilder<'a> {
        FindingBuilder {
            meta: self,
            vars: Vec::new(),
            distinguisher: None,
            finding: Finding {
                // The metadata is static: the finding points at it rather than copy it.
                check: CompactString::const_new(self.id),
                name: CompactString::const_new(self.name),
                severity: self.severity,
                account: snapshot.account.id.as_deref().map(CompactString::from),
                region: CompactString::from(&snapshot.region),
                api_id: None,
                api_name: None,
                stage: None,
                resource_path: None,
                http_method: None,
                title: CompactString::const_new(self.title),
                detail: String::new(),
                remediation: String::new(),
                fingerprint: CompactString::default(),
                domain_name: None,
                evidence: None,
                change: None,
                first_seen_ms: None,
            },
        }
    }

    /// The check's CLI fix with its `{name}` placeholders filled from `vars`; what is not
    /// given shows as `<name>`. Findings and explain's steps both render their fix here.
    pub fn command(&self, vars: &[(&str, &str)]) -> String {
        fill_placeholders(self.cli, vars)
    }

    /// Starts a finding of this check on one stage of an API.
    pub fn stage_finding<'a>(&'static self, snapshot: &Snapshot, api: &RestApi, stage: &str) -> FindingBuilder<'a> {
        self.finding(snapshot).api(api).stage(stage)
    }
}

/// A finding under construction; `'a` is what the values for the CLI fix borrow from.
pub struct FindingBuilder<'a> {
    meta: &'static CheckMeta,
    finding: Finding,
    vars: Vec<(&'static str, Cow<'a, str>)>,
    distinguisher: Option<String>,
}

impl<'a> FindingBuilder<'a> {
    pub fn api(mut self, api: &RestApi) -> Self {
        self.finding.api_id = Some(api.id.clone());
        self.finding.api_name = Some(api.name.clone());
        self
    }

    /// The custom domain the finding is about.
    pub fn domain(mut self, name: &str) -> Self {
        self.finding.domain_name = Some(name.into());
        self
    }

    /// For an API the snapshot does not hold (a plan naming a deleted API, say).
    pub fn api_id(mut self, api_id: &str) -> Self {
        self.finding.api_id = Some(api_id.into());
        self
    }

    pub fn stage(mut self, stage: &str) -> Self {
        self.finding.stage = Some(stage.into());
        self
    }

    pub fn method(mut self, path: &str, http_method: &str) -> Self {
        self.finding.resource_path = Some(path.into());
        self.finding.http_method = Some(http_method.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.finding.detail = detail.into();
        self
    }

    /// A value for a `{name}` placeholder of the CLI fix.
    pub fn var(mut self, name: &'static str, value: impl Into<Cow<'a, str>>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    /// Keeps the fingerprints of two findings of this check on one scope apart.
    pub fn distinguish_by(mut self, key: impl Into<String>) -> Self {
        self.distinguisher = Some(key.into());
        self
    }

    pub fn build(mut self) -> Finding {
        let f = &self.finding;
        let vars = &self.vars;
        // A value given for the fix wins over the finding's own place; empty is no value.
        let value_of = |name: &str| -> Option<&str> {
            let given = vars.iter().rev().find(|(k, v)| *k == name && !v.is_empty());
            let place = || match name {
                "region" => Some(&f.region),
                "api_id" => f.api_id.as_ref(),
                "stage" => f.stage.as_ref(),
                "path" => f.resource_path.as_ref(),
                "method" => f.http_method.as_ref(),
                _ => None,
            };
            match given {
                Some((_, value)) => Some(value.as_ref()),
                None => place().map(CompactString::as_str).filter(|v| !v.is_empty()),
            }
        };
        let mut remediation = String::with_capacity(self.meta.fix.len() + self.meta.cli.len() + 64);
        remediation.push_str(self.meta.fix);
        remediation.push_str(" CLI: ");
        fill_placeholders_into(&mut remediation, self.meta.cli, value_of);
        self.finding.remediation = remediation;
        self.finding.fingerprint = self.finding.compute_fingerprint(self.distinguisher.as_deref());
        self.finding
    }
}

/// Replaces `{name}` with its value, or with `<name>` when there is none.
pub fn fill_placeholders(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    fill_placeholders_into(&mut out, template, |name| {
        vars.iter()
            .rev()
            .find(|(k, v)| *k == name && !v.is_empty())
            .map(|(_, v)| *v)
    });
    out
}

fn fill_placeholders_into<'v>(out: &mut String, template: &str, value_of: impl Fn(&str) -> Option<&'v str>) {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                let name = &after[..close];
                match value_of(name) {
                    Some(value) => out.push_str(value),
                    None => {
                        out.push('<');
                        out.push_str(name);
                        out.push('>');
                    }
                }
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}
