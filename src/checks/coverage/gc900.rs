//! GC900 audit-incomplete.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts, REGISTRY};
use crate::model::{CoverageGap, GapReason};
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: audit_incomplete,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: crate::checks::GAP_CHECK_ID,
    name: "audit-incomplete",
    severity: Severity::High,
    severity_note: "as severe as the most severe check it blinds; any GC900 fails the run at every --fail-on",
    title: "Part of the configuration could not be read: the checks that need it were not run there",
    symptom: "A cause of 403 in the unread part would go unreported: the audit is blind there, not clean.",
    why: "The audit's role lacks a permission, the endpoint throttled past retries, or the call failed; gatecheck reports what it could not see instead of passing it silently.",
    fix: "Grant the audit role read access (apigateway:GET on the named resources, sts:GetCallerIdentity), or retry when the account is less busy.",
    cli: "aws apigateway get-rest-apis --region {region} --max-items 1",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html",
    reads: &[],
};

/// One finding per gap in [`Facts::gaps`]: what the collector could not read, and what it
/// read but cannot understand (a resource policy that does not parse).
fn audit_incomplete(facts: &Facts) -> Vec<Finding> {
    let snapshot = facts.snapshot;
    facts
        .gaps
        .iter()
        .map(|gap| {
            let mut builder = META.finding(snapshot);
            builder = match gap.api_id.as_deref() {
                Some(id) => match facts.index.rest_api(id) {
                    Some(api) => builder.api(api),
                    None => builder.api_id(id),
                },
                None => builder,
            };
            if let Some(stage) = &gap.stage {
                builder = builder.stage(stage);
            }
            let place = match (&gap.api_id, &gap.stage, &gap.object_id) {
                (Some(api), Some(stage), _) => format!("stage {api}/{stage}"),
                (Some(api), None, Some(object)) => format!("API {api}, {object}"),
                (Some(api), None, None) => format!("API {api}"),
                (None, _, Some(object)) => format!("{object} in {}", snapshot.region),
                (None, _, None) => format!("the whole of {}", snapshot.region),
            };
            let blinded = blinded_checks(gap);
            // At least as severe as what it may hide: a denied GetRestApis hides criticals.
            let severity = blinded
                .iter()
                .filter_map(|id| crate::checks::find_check(id))
                .map(|check| check.meta.severity)
                .chain([META.severity])
                .max()
                .unwrap_or(META.severity);
            let verb = match gap.reason {
                GapReason::Unparseable => "returned what gatecheck could not parse",
                GapReason::DeadlineReached => "was not called",
                _ => "failed",
            };
            let mut finding = builder
                .severity(severity)
                .detail(format!(
                    "{} {verb} ({}) for {place}: {} unavailable. Not evaluated there: {}. Cause: {}",
                    gap.operation,
                    gap.reason.as_str(),
                    gap.part.as_str(),
                    if blinded.is_empty() {
                        "none".to_string()
                    } else {
                        blinded.join(", ")
                    },
                    gap.message
                ))
                .distinguish_by(format!("{}:{}", gap.operation, gap.object_id.as_deref().unwrap_or("")))
                .build();
            if let Some(fix) = fix_for(gap, &snapshot.region) {
                finding.remediation = fix;
            }
            finding
        })
        .collect()
}

/// The fix for the operation that failed, where it is not an API Gateway read (the catalogue's
/// fix), or where the cause is not a permission.
fn fix_for(gap: &CoverageGap, region: &str) -> Option<String> {
    let operation = gap.operation.as_str();
    if gap.reason == GapReason::DeadlineReached {
        return Some("The function's time ran out before this was read; the next run reads it. To read everything in one run, raise the function's Timeout or audit fewer regions per invocation.".into());
    }
    if gap.reason == GapReason::Throttled {
        return Some(format!("AWS kept throttling the reads: retry when the account is less busy, or lower the function's GATECHECK_MAX_RPS so that gatecheck leaves room for other callers. CLI: aws apigateway get-rest-apis --region {region} --max-items 1"));
    }
    if operation.contains("AssumeRole") {
        return Some("Let the function's role into the member account: deploy templates/member-role.yaml there, trusting the function's role (its FunctionRoleArn output) with the stack's external id, and check the role name (--role-name). CLI: aws sts assume-role --role-arn arn:aws:iam::<member_account>:role/<role_name> --role-session-name gatecheck-check --external-id <external_id>".into());
    }
    if operation.contains("GetCallerIdentity") {
        return Some("sts:GetCallerIdentity needs no permission: the credentials themselves were refused (expired, or for another partition). CLI: aws sts get-caller-identity".into());
    }
    if operation.contains("WebACL") || operation.contains("IPSet") {
        return Some(format!("Grant the audit role wafv2:GetWebACL, wafv2:GetWebACLForResource and wafv2:GetIPSet. CLI: aws wafv2 list-web-acls --scope REGIONAL --region {region}"));
    }
    if operation.contains("DescribeVpcEndpoints") {
        return Some(format!("Grant the audit role ec2:DescribeVpcEndpoints (both templates do; a service control policy may deny it); only GC105, GC106 and GC109 go without it. CLI: aws ec2 describe-vpc-endpoints --region {region} --filters Name=service-name,Values=com.amazonaws.{region}.execute-api"));
    }
    if operation.contains("ListDistributions") || operation.contains("GetOriginRequestPolicy") {
        return Some("Grant the audit role cloudfront:ListDistributions and cloudfront:GetOriginRequestPolicy (both templates do; a service control policy may deny them); only GC108 goes without them. CLI: aws cloudfront list-distributions --max-items 1".into());
    }
    if operation.contains("FilterLogEvents") {
        return Some("Grant the audit role logs:FilterLogEvents on the stages' log groups (the template's AccessLogGroups parameter).".into());
    }
    None
}

/// The ids of the checks that rely on what `gap` could not read.
pub fn blinded_checks(gap: &CoverageGap) -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|c| c.meta.reads.iter().any(|part| gap.part.includes(*part)))
        .map(|c| c.meta.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::evaluate;
    use crate::checks::fixtures::*;
    use crate::model::*;

    #[test]
    fn gc900_names_scope_and_blinded_checks_and_blinds_them() {
        let mut s = healthy();
        s.usage_plans.clear(); // what a denied GetUsagePlans leaves behind
        s.gaps.push(gap(Part::UsagePlans, None));
        let evaluation = evaluate(&s);
        insta::assert_json_snapshot!(evaluation.findings);
        assert_eq!(ids(&evaluation.findings), ["GC900"], "GC301 must not guess");
        let detail = &evaluation.findings[0].detail;
        for id in ["GC301", "GC302", "GC303", "GC306", "GC307"] {
            assert!(detail.contains(id), "{detail}");
        }
        assert!(detail.contains("the whole of eu-west-1"), "{detail}");
        assert!(run(&CHECK, &healthy()).is_empty());
    }

    #[test]
    fn gc900_fixes_the_operation_that_failed() {
        let fix_of = |operation: &str, reason: GapReason| {
            let mut s = healthy();
            let mut denied = gap(Part::RestApis, None);
            denied.operation = operation.into();
            denied.reason = reason;
            s.gaps.push(denied);
            run(&CHECK, &s)[0].remediation.clone()
        };
        let assume = fix_of("sts:AssumeRole", GapReason::AccessDenied);
        assert!(
            assume.contains("member-role.yaml") && !assume.contains("apigateway:GET"),
            "{assume}"
        );
        let waf = fix_of("GetWebACL", GapReason::AccessDenied);
        assert!(waf.contains("wafv2:GetWebACL"), "{waf}");
        let late = fix_of("GetStages", GapReason::DeadlineReached);
        assert!(late.contains("the next run reads it"), "{late}");
        let denied = fix_of("GetRestApis", GapReason::AccessDenied);
        assert!(denied.contains("apigateway:GET"), "{denied}");
    }

    /// A denied DescribeVpcEndpoints blinds only the checks that read the endpoints, and says
    /// which grant it lacks.
    #[test]
    fn a_denied_endpoint_read_blinds_gc105_gc106_and_gc109_only() {
        let mut s = healthy();
        s.gaps.push(CoverageGap {
            within: None,
            part: Part::VpcEndpoints,
            operation: "DescribeVpcEndpoints".into(),
            api_id: None,
            stage: None,
            object_id: None,
            reason: GapReason::AccessDenied,
            message: "not authorized".into(),
        });
        assert_eq!(blinded_checks(&s.gaps[0]), ["GC105", "GC106", "GC109"]);
        let findings = evaluate(&s).findings;
        assert_eq!(ids(&findings), ["GC900"]);
        assert!(
            findings[0].remediation.contains("ec2:DescribeVpcEndpoints"),
            "{}",
            findings[0].remediation
        );
    }

    /// A denied CloudFront read blinds GC108 alone.
    #[test]
    fn a_denied_cloudfront_read_blinds_gc108_only() {
        let mut s = healthy();
        s.gaps.push(CoverageGap {
            within: None,
            part: Part::CloudFront,
            operation: "ListDistributions".into(),
            api_id: None,
            stage: None,
            object_id: None,
            reason: GapReason::AccessDenied,
            message: "not authorized".into(),
        });
        assert_eq!(blinded_checks(&s.gaps[0]), ["GC108"]);
        let findings = evaluate(&s).findings;
        assert_eq!(ids(&findings), ["GC900"]);
        assert!(
            findings[0].remediation.contains("cloudfront:ListDistributions"),
            "{}",
            findings[0].remediation
        );
    }
}
