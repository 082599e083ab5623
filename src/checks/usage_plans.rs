//! Usage plans: a key-required method answers 403 unless a usage plan lists the stage and
//! holds an enabled key. GC301, GC302, GC303, GC307.

use super::{always_evaluated, list_methods, Check, CheckMeta, Facts, ServedMethod, StageFacts};
use crate::finding::{Finding, Severity};
use crate::model::Part;

const USAGE_PLANS_DOC: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html";

/// The methods a stage serves that require an API key.
fn key_required<'f, 'a>(stage: &StageFacts<'f, 'a>) -> Vec<&'f ServedMethod<'a>> {
    stage.served.iter().filter(|m| m.api_key_required).collect()
}

pub static GC301: Check = Check {
    meta: &GC301_META,
    run: key_required_stage_without_usage_plan,
    not_evaluated: always_evaluated,
};

static GC301_META: CheckMeta = CheckMeta {
    id: "GC301",
    name: "key-required-stage-without-usage-plan",
    severity: Severity::Critical,
    title: "Methods require an API key but no usage plan lists the stage",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}, with or without a valid x-api-key header.",
    why: "API Gateway accepts a key only through a usage plan that lists the API stage; a key that exists but is not in a plan for this stage is refused.",
    fix: "Add the stage to a usage plan that holds the callers' keys (API Gateway console > Usage plans > plan > Associated stages > Add API stage).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id <plan_id> --patch-operations op=add,path=/apiStages,value={api_id}:{stage}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments, Part::UsagePlans],
};

fn key_required_stage_without_usage_plan(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for stage_facts in facts.stages().filter(|s| s.plans.is_empty()) {
        let methods = key_required(&stage_facts);
        if methods.is_empty() {
            continue;
        }
        let StageFacts { api, stage, .. } = stage_facts;
        findings.push(
            GC301_META
                .stage_finding(facts, api, &stage.name)
                .detail(format!(
                    "{} method(s) require an API key ({}), but no usage plan lists {}/{}.",
                    methods.len(),
                    list_methods(&methods),
                    api.id,
                    stage.name
                ))
                .build(),
        );
    }
    findings
}

pub static GC302: Check = Check {
    meta: &GC302_META,
    run: usage_plan_without_keys,
    not_evaluated: always_evaluated,
};

static GC302_META: CheckMeta = CheckMeta {
    id: "GC302",
    name: "usage-plan-without-keys",
    severity: Severity::Critical,
    title: "The usage plans that cover the stage have no API key",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}: no key can be valid for this stage.",
    why: "A usage plan admits only the keys attached to it; a plan with no keys admits nobody.",
    fix: "Attach the callers' API key to a usage plan that lists the stage (API Gateway console > Usage plans > plan > Associated API keys > Add API key).",
    cli: "aws apigateway create-usage-plan-key --region {region} --usage-plan-id {plan_id} --key-type API_KEY --key-id <key_id>",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::Stages, Part::Deployments, Part::UsagePlans, Part::UsagePlanKeys],
};

fn usage_plan_without_keys(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for stage_facts in facts.stages() {
        let plans = stage_facts.plans;
        if plans.is_empty() || plans.iter().any(|p| !p.key_ids.is_empty()) {
            continue;
        }
        let methods = key_required(&stage_facts);
        if methods.is_empty() {
            continue;
        }
        let StageFacts { api, stage, .. } = stage_facts;
        let names: Vec<String> = plans.iter().map(|p| format!("{} ({})", p.name, p.id)).collect();
        findings.push(
            GC302_META
                .stage_finding(facts, api, &stage.name)
                .var("plan_id", plans[0].id.as_str())
                .detail(format!(
                    "Usage plan(s) {} list {}/{} but hold no API key; {} method(s) require one ({}).",
                    names.join(", "),
                    api.id,
                    stage.name,
                    methods.len(),
                    list_methods(&methods)
                ))
                .build(),
        );
    }
    findings
}

pub static GC303: Check = Check {
    meta: &GC303_META,
    run: usage_plan_keys_disabled,
    not_evaluated: always_evaluated,
};

static GC303_META: CheckMeta = CheckMeta {
    id: "GC303",
    name: "usage-plan-keys-disabled",
    severity: Severity::Critical,
    title: "Every API key in the usage plans that cover the stage is disabled",
    symptom: "Every request to a key-required method gets 403 {\"message\":\"Forbidden\"}, even with a key that is in the plan.",
    why: "API Gateway refuses a disabled key as if it did not exist.",
    fix: "Enable the key the callers use (API Gateway console > API keys > key > Edit > Enabled).",
    cli: "aws apigateway update-api-key --region {region} --api-key {key_id} --patch-operations op=replace,path=/enabled,value=true",
    docs_url: USAGE_PLANS_DOC,
    reads: &[
        Part::RestApis,
        Part::Resources,
        Part::Stages,
        Part::Deployments,
        Part::UsagePlans,
        Part::UsagePlanKeys,
        Part::ApiKeys,
    ],
};

fn usage_plan_keys_disabled(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for stage_facts in facts.stages() {
        let key_ids = stage_facts.plans.iter().flat_map(|p| &p.key_ids);
        // Stops at the first key that is enabled, or that the snapshot cannot find (it
        // might be enabled: do not guess).
        let disabled = key_ids.map(|id| facts.index.api_key(id).filter(|k| !k.enabled));
        let Some(keys) = disabled.collect::<Option<Vec<_>>>() else {
            continue;
        };
        if keys.is_empty() {
            continue;
        }
        let methods = key_required(&stage_facts);
        if methods.is_empty() {
            continue;
        }
        let StageFacts { api, stage, .. } = stage_facts;
        let names: Vec<String> = keys.iter().map(|k| format!("{} ({})", k.name, k.id)).collect();
        findings.push(
            GC303_META
                .stage_finding(facts, api, &stage.name)
                .var("key_id", keys[0].id.as_str())
                .detail(format!(
                    "The usage plans for {}/{} hold {} key(s), all disabled: {}. {} method(s) require a key ({}).",
                    api.id,
                    stage.name,
                    keys.len(),
                    names.join(", "),
                    methods.len(),
                    list_methods(&methods)
                ))
                .build(),
        );
    }
    findings
}

pub static GC307: Check = Check {
    meta: &GC307_META,
    run: usage_plan_stale_stage,
    not_evaluated: always_evaluated,
};

static GC307_META: CheckMeta = CheckMeta {
    id: "GC307",
    name: "usage-plan-stale-stage",
    severity: Severity::Medium,
    title: "A usage plan lists an API or stage that no longer exists",
    symptom: "Callers whose keys are in this plan get 403 on the stage that replaced it: the plan still points at the old one.",
    why: "Deleting or renaming a stage does not update the usage plans that listed it; a new stage must be added to the plan by hand.",
    fix: "Remove the stale API stage from the plan and add the current one (API Gateway console > Usage plans > plan > Associated stages).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_id} --patch-operations op=remove,path=/apiStages,value={api_id}:{stage}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Stages, Part::UsagePlans],
};

fn usage_plan_stale_stage(facts: &Facts) -> Vec<Finding> {
    let (snapshot, index) = (facts.snapshot, &facts.index);
    let scoped_api = snapshot.scope.api_id.as_deref();
    let mut findings = Vec::new();
    for plan in &snapshot.usage_plans {
        for listed in &plan.api_stages {
            // An API-scoped snapshot holds only that API: others are not known to be gone.
            if scoped_api.is_some_and(|id| id != listed.api_id) {
                continue;
            }
            let missing = match index.rest_api(&listed.api_id) {
                None => format!("API {} no longer exists", listed.api_id),
                Some(api) if api.stage(&listed.stage).is_none() => {
                    format!("API {} ({}) has no stage '{}'", api.name, api.id, listed.stage)
                }
                Some(_) => continue,
            };
            let builder = match index.rest_api(&listed.api_id) {
                Some(api) => GC307_META.finding(snapshot).api(api),
                None => GC307_META.finding(snapshot).api_id(&listed.api_id),
            };
            findings.push(
                builder
                    .stage(&listed.stage)
                    .var("plan_id", plan.id.as_str())
                    .distinguish_by(plan.id.clone())
                    .detail(format!(
                        "Usage plan {} ({}) lists {}:{}, but {missing}.",
                        plan.name, plan.id, listed.api_id, listed.stage
                    ))
                    .build(),
            );
        }
    }
    findings
}

pub static GC308: Check = Check {
    meta: &GC308_META,
    run: usage_plan_throttle_unknown_method,
    not_evaluated: always_evaluated,
};

static GC308_META: CheckMeta = CheckMeta {
    id: "GC308",
    name: "usage-plan-throttle-unknown-method",
    severity: Severity::Low,
    title: "A usage plan throttles a method the API does not have",
    symptom: "The per-method limit you meant to set does not apply: the method it names does not exist, so the stage-wide limit governs.",
    why: "Per-method throttles are keyed /path/VERB and match nothing once the path or verb is renamed or removed.",
    fix: "Rename the throttle key to an existing /path/VERB or remove it (API Gateway console > Usage plans > plan > Associated stages > Configure method throttling).",
    cli: "aws apigateway update-usage-plan --region {region} --usage-plan-id {plan_id} --patch-operations op=remove,path=/apiStages/{api_id}:{stage}/throttle/{throttle_path}",
    docs_url: USAGE_PLANS_DOC,
    reads: &[Part::RestApis, Part::Resources, Part::UsagePlans],
};

/// Splits a throttle key `/pets/GET` (or `//GET` for the root) into path and verb.
fn split_throttle_key(key: &str) -> Option<(&str, &str)> {
    let (path, verb) = key.rsplit_once('/')?;
    Some((if path.is_empty() { "/" } else { path }, verb))
}

fn usage_plan_throttle_unknown_method(facts: &Facts) -> Vec<Finding> {
    let (snapshot, index) = (facts.snapshot, &facts.index);
    let mut findings = Vec::new();
    for plan in &snapshot.usage_plans {
        for listed in &plan.api_stages {
            // A plan naming a missing API or stage is GC307's.
            let Some(api) = index.rest_api(&listed.api_id) else {
                continue;
            };
            for key in listed.throttle.keys() {
                let exists = split_throttle_key(key).is_some_and(|(path, verb)| {
                    api.resources.iter().any(|r| {
                        r.path == path
                            && r.methods
                                .iter()
                                .any(|m| verb == "*" || m.http_method == verb || m.http_method == "ANY")
                    })
                });
                if exists {
                    continue;
                }
                let (path, verb) = split_throttle_key(key).unwrap_or((key.as_str(), ""));
                findings.push(
                    GC308_META
                        .stage_finding(facts, api, &listed.stage)
                        .method(path, verb)
                        .var("plan_id", plan.id.as_str())
                        // A patch path escapes the resource path's slashes as ~1.
                        .var("throttle_path", format!("{}/{verb}", path.replace('/', "~1")))
                        .distinguish_by(plan.id.clone())
                        .detail(format!(
                            "Usage plan {} ({}) throttles {key} on {}:{}, but {} ({}) has no such method.",
                            plan.name, plan.id, listed.api_id, listed.stage, api.name, api.id
                        ))
                        .build(),
                );
            }
        }
    }
    findings
}
