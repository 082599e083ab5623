//! AWS WAF: a web ACL on the stage sees the request before API Gateway evaluates anything
//! else, resource policies and authorizers included (developer guide, "Use AWS WAF to
//! protect your REST APIs in API Gateway"), so a request it blocks gets its answer even on
//! a path that does not exist.

use super::{unknown_gap, unread};
use crate::checks::waf::decide::{decide_waf, WafCaller, WafDecision};
use crate::checks::waf::{gc201, gc202, gc203};
use crate::explain::request::Request;
use crate::explain::{Gate, Refusal, Step};
use crate::model::{Index, Part, RestApi, Snapshot, Stage, WafAction};

pub(super) fn waf_gate(snapshot: &Snapshot, index: &Index, request: &Request, api: &RestApi, stage: &Stage) -> Step {
    let Some(arn) = &stage.web_acl_arn else {
        return Step::pass(Gate::Waf, "no web ACL on the stage");
    };
    let Some(acl) = index.web_acl(arn) else {
        let why = unread(
            snapshot,
            &[Part::WebAcls, Part::Stages],
            Some(&api.id),
            Some(&stage.name),
        )
        .unwrap_or_else(|| "it was not read".into());
        return unknown_gap(Gate::Waf, format!("web ACL {arn}: {why}"));
    };
    let header = |name: &str| request.header(name).map(|h| h.value().to_string());
    let caller = WafCaller {
        source_ip: request.source_ip,
        headers: Some(&header),
    };
    let from = request.source_ip.map(|ip| format!(" from {ip}")).unwrap_or_default();
    let vars = [
        ("region", snapshot.region.as_str()),
        ("acl_name", acl.name.as_str()),
        ("acl_id", arn.rsplit('/').next().unwrap_or_default()),
    ];
    match decide_waf(acl, index, caller) {
        WafDecision::Allowed(Some(rule)) => Step::pass(
            Gate::Waf,
            format!("web ACL {}: rule {rule} allows the request{from}", acl.name),
        ),
        WafDecision::Allowed(None) => Step::pass(
            Gate::Waf,
            format!(
                "web ACL {}: no rule blocks the request{from}; the default action allows",
                acl.name
            ),
        ),
        WafDecision::Refused { rule, action, status } => {
            let refusal = match action {
                WafAction::Captcha => Refusal::page(405, "an AWS WAF CAPTCHA page"),
                WafAction::Challenge => Refusal::page(202, "an AWS WAF silent challenge page"),
                _ if status != 403 => Refusal::page(status, "the web ACL's custom response"),
                _ => Refusal::forbidden(),
            };
            let (evidence, meta) = match &rule {
                Some(rule) => (
                    format!(
                        "web ACL {}: rule {rule} ({}) takes the request{from}",
                        acl.name,
                        action.as_str()
                    ),
                    gc202::CHECK.meta,
                ),
                None => (
                    format!(
                        "web ACL {}: its default action is Block and no Allow rule matches the request{from}",
                        acl.name
                    ),
                    gc201::CHECK.meta,
                ),
            };
            Step::refused(Gate::Waf, refusal, evidence, meta, &vars)
        }
        WafDecision::Unknown(why) => {
            // Where an AWS managed group that commonly refuses API callers blocks, say which of
            // its rules may take this request: GC203's cause, as the audit reports it.
            let hostile: Vec<String> = acl
                .rules
                .iter()
                .flat_map(|rule| {
                    gc203::blocking_hostile_rules(rule)
                        .into_iter()
                        .map(move |(name, refuses)| format!("{} blocks {refuses} ({name})", rule.name))
                })
                .collect();
            let step = Step::unknown(Gate::Waf, format!("web ACL {}: {why}", acl.name));
            if hostile.is_empty() {
                step
            } else {
                Step {
                    evidence: format!(
                        "{}; if the request is one of these, it is refused: {}",
                        step.evidence,
                        hostile.join("; ")
                    ),
                    ..step
                }
                .check(gc203::CHECK.meta)
            }
        }
    }
}

#[cfg(test)]
mod tests;
