//! GC502 custom-domain-mutual-tls.

use crate::checks::{always_evaluated, Check, CheckMeta, Facts};
use crate::model::Part;
use crate::report::{Finding, Severity};

pub static CHECK: Check = Check {
    meta: &META,
    run: custom_domain_mutual_tls,
    not_evaluated: always_evaluated,
};

static META: CheckMeta = CheckMeta {
    id: "GC502",
    name: "custom-domain-mutual-tls",
    severity: Severity::Info,
    severity_note: "high when the truststore has warnings",
    title: "The custom domain requires client certificates (mutual TLS)",
    symptom: "Callers without a client certificate that chains to the domain's truststore are refused, whatever API key they send; with truststore warnings, callers presenting the certificates concerned get 403 Forbidden.",
    why: "With mutualTlsAuthentication, API Gateway checks the client certificate against the truststore before any API key, policy or authorizer is looked at.",
    fix: "Give callers a certificate from the truststore, and fix or remove the certificates the truststore warnings name, then update the domain to the new truststore version (API Gateway console > Custom domain names > domain > Mutual TLS).",
    cli: "aws apigateway get-domain-name --region {region} --domain-name {domain} --query mutualTlsAuthentication",
    docs_url: "https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mutual-tls.html",
    reads: &[Part::DomainNames, Part::BasePathMappings, Part::RestApis],
};

fn custom_domain_mutual_tls(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for domain in &facts.snapshot.domain_names {
        let Some(mtls) = &domain.mutual_tls else {
            continue;
        };
        let version = mtls
            .truststore_version
            .as_deref()
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        let mut detail = format!(
            "{} requires a client certificate from truststore {}{version}.",
            domain.name, mtls.truststore_uri
        );
        if !mtls.truststore_warnings.is_empty() {
            detail.push_str(&format!(
                " API Gateway reports truststore warnings: {}.",
                mtls.truststore_warnings.join("; ")
            ));
        }
        // The API's own endpoint does not ask for a certificate: mTLS can be bypassed there.
        let open: Vec<String> = domain
            .mappings
            .iter()
            .filter_map(|m| facts.index.rest_api(&m.rest_api_id))
            .filter(|api| !api.disable_execute_api_endpoint)
            .map(|api| format!("{} ({})", api.name, api.id))
            .collect();
        if !open.is_empty() {
            detail.push_str(&format!(
                " The execute-api endpoint of {} is still on: callers reach it there without a certificate.",
                open.join(", ")
            ));
        }
        let builder = META
            .finding(facts.snapshot)
            .domain(&domain.name)
            .var("domain", domain.name.as_str())
            .distinguish_by(domain.name.clone())
            .detail(detail);
        let builder = if mtls.truststore_warnings.is_empty() {
            builder
        } else {
            builder.severity(Severity::High)
        };
        findings.push(builder.build());
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::fixtures::*;
    use crate::model::MutualTls;

    fn with_mtls(warnings: &[&str]) -> crate::model::Snapshot {
        let mut s = healthy();
        let mut d = domain("api.example.com", "a1", Some("prod"));
        d.mutual_tls = Some(MutualTls {
            truststore_uri: "s3://trust/bundle.pem".into(),
            truststore_version: Some("3".into()),
            truststore_warnings: warnings.iter().map(|w| (*w).to_string()).collect(),
        });
        s.domain_names.push(d);
        s
    }

    #[test]
    fn gc502_names_the_truststore_and_the_open_default_endpoint() {
        let findings = run(&CHECK, &with_mtls(&[]));
        insta::assert_json_snapshot!(findings);
        assert_eq!(ids(&findings), ["GC502"]);
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(findings[0].detail.contains("still on"), "{}", findings[0].detail);
        let mut closed = with_mtls(&[]);
        closed.rest_apis[0].disable_execute_api_endpoint = true;
        assert!(!run(&CHECK, &closed)[0].detail.contains("still on"));
    }

    #[test]
    fn gc502_is_high_with_truststore_warnings_and_quiet_without_mtls() {
        let findings = run(&CHECK, &with_mtls(&["Certificate CN=partner expired"]));
        assert_eq!(findings[0].severity, Severity::High);
        assert!(findings[0].detail.contains("expired"), "{}", findings[0].detail);
        let mut plain = healthy();
        plain.domain_names.push(domain("api.example.com", "a1", Some("prod")));
        assert!(run(&CHECK, &plain).is_empty());
    }
}
