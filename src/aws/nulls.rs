//! API Gateway answers an absent map or list entry as JSON `null`: the console writes an
//! empty mapping template as `"responseTemplates": {"application/json": null}` on every
//! non-proxy integration and on the OPTIONS methods "Enable CORS" creates, and the same
//! happens in method responses, stage variables and throttle maps. The SDK models those maps
//! as dense and refuses the whole response ("dense map cannot contain null values"), which
//! would turn one empty template into an unread API. For API Gateway a null value means
//! "absent", so the HTTP edge drops it before the SDK reads the body.

use serde_json::Value;

/// The body without null values in objects or arrays, or `None` when it has none (or is not
/// JSON, which the SDK then reports as it would).
pub fn drop_null_values(body: &[u8]) -> Option<Vec<u8>> {
    // Most responses have no null at all: don't parse those twice.
    if !body.windows(4).any(|w| w == b"null") {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    if !strip(&mut value) {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

/// Removes null members and elements at any depth; whether anything was removed.
fn strip(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let before = map.len();
            map.retain(|_, v| !v.is_null());
            let mut changed = map.len() != before;
            for v in map.values_mut() {
                changed |= strip(v);
            }
            changed
        }
        Value::Array(items) => {
            let before = items.len();
            items.retain(|v| !v.is_null());
            let mut changed = items.len() != before;
            for v in items.iter_mut() {
                changed |= strip(v);
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn console_made_templates_lose_their_nulls_and_nothing_else() {
        // GetResources?embed=methods on an API with a console-made MOCK integration.
        let body = json!({"item": [{"id": "r1", "path": "/items", "resourceMethods": {"GET": {
            "httpMethod": "GET", "authorizationType": "NONE", "apiKeyRequired": true, "authorizerId": null,
            "methodIntegration": {"type": "MOCK", "integrationResponses": {"200": {
                "statusCode": "200", "responseTemplates": {"application/json": null}}}},
            "methodResponses": {"200": {"statusCode": "200", "responseModels": {"application/json": "Empty"}}}
        }}}], "position": null});
        let cleaned = drop_null_values(body.to_string().as_bytes()).expect("has nulls");
        let cleaned: Value = serde_json::from_slice(&cleaned).expect("JSON");
        let get = &cleaned["item"][0]["resourceMethods"]["GET"];
        assert_eq!(
            get["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"],
            json!({})
        );
        assert!(get.get("authorizerId").is_none() && cleaned.get("position").is_none());
        assert_eq!(get["apiKeyRequired"], true);
        assert_eq!(
            get["methodResponses"]["200"]["responseModels"]["application/json"],
            "Empty"
        );
    }

    #[test]
    fn null_list_elements_go_too() {
        let cleaned = drop_null_values(br#"{"types":["REGIONAL",null],"n":[[null]]}"#).expect("changed");
        assert_eq!(
            serde_json::from_slice::<Value>(&cleaned).expect("JSON"),
            json!({"types": ["REGIONAL"], "n": [[]]})
        );
    }

    #[test]
    fn bodies_without_null_values_are_left_alone() {
        assert_eq!(drop_null_values(br#"{"name":"nullable","items":[]}"#), None);
        assert_eq!(drop_null_values(b"not json, null"), None);
        assert_eq!(drop_null_values(b""), None);
    }
}
