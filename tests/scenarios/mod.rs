//! The demo account, one scenario per check: each file seeds the APIs that show its check
//! firing (in the shapes the console, CloudFormation and an OpenAPI import make) and says what
//! an audit must report on each. `make demo` and the integration tests seed all of them;
//! `SCENARIOS` is the registry a test holds against the check registry.
//!
//! Adding a check: a file here named after it, and a line in `SCENARIOS`.

#![allow(dead_code)]

mod gc101;
mod gc102;
mod gc103;
mod gc104;
mod gc105;
mod gc106;
mod gc107;
mod gc108;
mod gc109;
mod gc201;
mod gc202;
mod gc203;
mod gc301;
mod gc302;
mod gc303;
mod gc304;
mod gc305;
mod gc306;
mod gc307;
mod gc308;
mod gc309;
mod gc401;
mod gc402;
mod gc502;
mod gc503;
mod gc504;
mod gc601;
mod gc603;
mod gc604;
mod gc605;
mod healthy;

pub use super::seed::{openapi_definition, Api, Result, Seeder, WafRuleAction, IP_ALLOWLIST_POLICY, VPCE_POLICY};
pub use aws_sdk_apigateway::types::{ApiKeySourceType, EndpointType};
use std::future::Future;
use std::pin::Pin;

/// One scenario's seeding, boxed: one future for the whole demo outgrows a test thread's
/// stack in a debug build.
pub type Seeding<'a> = Pin<Box<dyn Future<Output = Result<Vec<Expectation>>> + 'a>>;

/// A file of this directory: the checks it is there to show, and how to seed it.
pub struct Scenario {
    /// Check ids this scenario shows firing; the file is named after the first. Empty for the
    /// healthy controls.
    pub checks: &'static [&'static str],
    pub seed: for<'a> fn(&'a Seeder, &'a DemoKeys) -> Seeding<'a>,
}

/// The demo account's scenarios, in the order they are seeded.
pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        checks: &["GC101"],
        seed: gc101::seed,
    },
    Scenario {
        checks: &["GC102"],
        seed: gc102::seed,
    },
    Scenario {
        checks: &["GC103"],
        seed: gc103::seed,
    },
    Scenario {
        checks: &["GC104"],
        seed: gc104::seed,
    },
    Scenario {
        checks: &["GC105"],
        seed: gc105::seed,
    },
    Scenario {
        checks: &["GC106"],
        seed: gc106::seed,
    },
    Scenario {
        checks: &["GC107"],
        seed: gc107::seed,
    },
    Scenario {
        checks: &["GC108"],
        seed: gc108::seed,
    },
    Scenario {
        checks: &["GC109"],
        seed: gc109::seed,
    },
    Scenario {
        checks: &["GC201"],
        seed: gc201::seed,
    },
    Scenario {
        checks: &["GC202"],
        seed: gc202::seed,
    },
    Scenario {
        checks: &["GC203"],
        seed: gc203::seed,
    },
    Scenario {
        checks: &["GC301"],
        seed: gc301::seed,
    },
    Scenario {
        checks: &["GC302"],
        seed: gc302::seed,
    },
    Scenario {
        checks: &["GC303"],
        seed: gc303::seed,
    },
    Scenario {
        checks: &["GC304"],
        seed: gc304::seed,
    },
    Scenario {
        checks: &["GC305"],
        seed: gc305::seed,
    },
    Scenario {
        checks: &["GC306"],
        seed: gc306::seed,
    },
    Scenario {
        checks: &["GC307", "GC501"],
        seed: gc307::seed,
    },
    Scenario {
        checks: &["GC308"],
        seed: gc308::seed,
    },
    Scenario {
        checks: &["GC309"],
        seed: gc309::seed,
    },
    Scenario {
        checks: &["GC401"],
        seed: gc401::seed,
    },
    Scenario {
        checks: &["GC402"],
        seed: gc402::seed,
    },
    Scenario {
        checks: &["GC502"],
        seed: gc502::seed,
    },
    Scenario {
        checks: &["GC503"],
        seed: gc503::seed,
    },
    Scenario {
        checks: &["GC504"],
        seed: gc504::seed,
    },
    Scenario {
        checks: &["GC601", "GC602"],
        seed: gc601::seed,
    },
    Scenario {
        checks: &["GC603"],
        seed: gc603::seed,
    },
    Scenario {
        checks: &["GC604"],
        seed: gc604::seed,
    },
    Scenario {
        checks: &["GC605"],
        seed: gc605::seed,
    },
    Scenario {
        checks: &[],
        seed: healthy::seed,
    },
];

/// Key values seeded in the demo account; no output may ever contain one.
pub const DEMO_KEY_VALUES: [&str; 4] = [
    "demoKeyValueEnabled0000000000000001",
    "demoKeyValueDisabled000000000000002",
    "demoKeyValueAuthorizer0000000000003",
    "demoKeyValueSpare000000000000000004",
];

/// The demo account's API keys, by what they are for.
pub struct DemoKeys {
    pub enabled: String,
    pub disabled: String,
    pub authorizer: String,
}

/// One seeded API and what an audit must say about it.
pub struct Expectation {
    pub api_name: String,
    pub api_id: String,
    /// Check ids that must be reported on this API, sorted (empty for a healthy control).
    pub checks: Vec<&'static str>,
    /// Check ids that must be silenced by the API's `gatecheck:ignore` tag.
    pub suppressed: Vec<&'static str>,
}

impl Expectation {
    /// `api` must be reported with exactly `checks`.
    pub fn reports(api: &Api, checks: &[&'static str]) -> Self {
        let mut checks = checks.to_vec();
        checks.sort_unstable();
        Expectation {
            api_name: api.name.clone(),
            api_id: api.id.clone(),
            checks,
            suppressed: Vec::new(),
        }
    }

    /// A healthy control: nothing may be reported on `api`.
    pub fn healthy(api: &Api) -> Self {
        Self::reports(api, &[])
    }
}

/// Seeds every scenario, and returns what the audit must report for each API. Every stage
/// logs, but one; the account has no CloudWatch role (GC602). Needs the emulator extension.
pub async fn seed_demo_account(s: &Seeder) -> Result<Vec<Expectation>> {
    let keys = DemoKeys {
        enabled: s.key("demo-enabled-key", true, DEMO_KEY_VALUES[0]).await?,
        disabled: s.key("demo-disabled-key", false, DEMO_KEY_VALUES[1]).await?,
        authorizer: s.key("demo-authorizer-key", true, DEMO_KEY_VALUES[2]).await?,
    };
    let mut expectations = Vec::new();
    for scenario in SCENARIOS {
        expectations.extend((scenario.seed)(s, &keys).await?);
    }
    Ok(expectations)
}
