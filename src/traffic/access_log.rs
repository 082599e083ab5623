//! Reads access log lines in the stage's own format: the format (`accessLogSettings.format`)
//! says where each `$context` variable lands, so JSON, CLF, XML or CSV lines are all read
//! the same way. Only the variables that classify a refusal are ever taken from a line:
//! `$context.identity.apiKey` (the key's value) and authorizer tokens are never extracted.

use super::cause::{is_refusal_status, Cause};
use super::Line;
use regex::Regex;

/// The variables a refusal is classified with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Status,
    ResponseType,
    ErrorMessage,
    ApiKeyId,
    WafResponseCode,
    AuthorizerError,
    RequestId,
}

impl Field {
    fn of(variable: &str) -> Option<Field> {
        Some(match variable {
            "context.status" => Field::Status,
            "context.error.responseType" => Field::ResponseType,
            "context.error.message" | "context.error.messageString" => Field::ErrorMessage,
            "context.identity.apiKeyId" => Field::ApiKeyId,
            "context.wafResponseCode" => Field::WafResponseCode,
            "context.authorizer.error" => Field::AuthorizerError,
            "context.requestId" => Field::RequestId,
            _ => return None,
        })
    }
}

/// How lines of one format are read.
#[derive(Debug, Clone)]
pub struct AccessLogFormat {
    reader: Reader,
    /// The format writes `$context.error.responseType`: refusals can be told apart.
    pub has_response_type: bool,
    /// The format writes `$context.status`.
    pub has_status: bool,
}

#[derive(Debug, Clone)]
enum Reader {
    /// A JSON object per line: each field's JSON pointer.
    Json(Vec<(Field, String)>),
    /// Anything else: the literal text before the first variable, then each variable with
    /// the literal text that follows it.
    Text { prefix: String, parts: Vec<TextPart> },
}

/// A variable of a text format and the literal text after it.
#[derive(Debug, Clone)]
struct TextPart {
    field: Option<Field>,
    /// The caller decides what it holds (a user agent, a path, an error that quotes the
    /// request): it may contain any literal of the format.
    free_text: bool,
    literal: String,
}

/// Variables whose values the caller cannot shape: ids, numbers, times, codes. Every other
/// variable is read as free text.
const CONSTRAINED: &[&str] = &[
    "context.accountId",
    "context.apiId",
    "context.error.responseType",
    "context.extendedRequestId",
    "context.httpMethod",
    "context.identity.accountId",
    "context.identity.apiKeyId",
    "context.identity.caller",
    "context.identity.sourceIp",
    "context.identity.user",
    "context.integration.latency",
    "context.integration.status",
    "context.integrationLatency",
    "context.integrationStatus",
    "context.protocol",
    "context.requestId",
    "context.requestTime",
    "context.requestTimeEpoch",
    "context.resourceId",
    "context.resourcePath",
    "context.responseLatency",
    "context.responseLength",
    "context.stage",
    "context.status",
    "context.wafResponseCode",
];

/// One line's fields, borrowed from the line where they can be.
#[derive(Debug, Default)]
struct Fields<'a> {
    status: Option<std::borrow::Cow<'a, str>>,
    response_type: Option<std::borrow::Cow<'a, str>>,
    error_message: Option<std::borrow::Cow<'a, str>>,
    api_key_id: Option<std::borrow::Cow<'a, str>>,
    waf_response_code: Option<std::borrow::Cow<'a, str>>,
    authorizer_error: Option<std::borrow::Cow<'a, str>>,
    request_id: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Fields<'a> {
    fn set(&mut self, field: Field, value: std::borrow::Cow<'a, str>) {
        // "-" is what API Gateway writes for a variable without a value.
        let value = Some(value).filter(|v| !v.is_empty() && v != "-");
        match field {
            Field::Status => self.status = value,
            Field::ResponseType => self.response_type = value,
            Field::ErrorMessage => self.error_message = value,
            Field::ApiKeyId => self.api_key_id = value,
            Field::WafResponseCode => self.waf_response_code = value,
            Field::AuthorizerError => self.authorizer_error = value,
            Field::RequestId => self.request_id = value,
        }
    }
}

fn variables() -> Regex {
    // `$context.error.message`, `$context.identity.apiKeyId`, `$stageVariables.x`...
    Regex::new(r"\$[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*").expect("a valid pattern")
}

impl AccessLogFormat {
    pub fn parse(format: &str) -> AccessLogFormat {
        let variables = variables();
        let fields: Vec<Option<Field>> = variables
            .find_iter(format)
            .map(|m| Field::of(&m.as_str()[1..]))
            .collect();
        let has = |wanted: Field| fields.contains(&Some(wanted));
        let has_response_type = has(Field::ResponseType);
        let has_status = has(Field::Status);
        let reader = match json_pointers(format, &variables) {
            Some(pointers) => Reader::Json(pointers),
            None => text_reader(format, &variables),
        };
        AccessLogFormat {
            reader,
            has_response_type,
            has_status,
        }
    }

    /// Whether the format is read as JSON.
    pub fn is_json(&self) -> bool {
        matches!(self.reader, Reader::Json(_))
    }

    /// What one line says about one request.
    pub fn classify<'a>(&self, line: &'a str) -> Line<'a> {
        match self.fields(line) {
            Some(fields) => classify_fields(fields),
            None => Line::Unreadable,
        }
    }

    fn fields<'a>(&self, line: &'a str) -> Option<Fields<'a>> {
        let mut fields = Fields::default();
        match &self.reader {
            Reader::Json(pointers) => {
                let value: serde_json::Value = serde_json::from_str(line).ok()?;
                for (field, pointer) in pointers {
                    let text = match value.pointer(pointer) {
                        Some(serde_json::Value::String(s)) => s.clone(),
                        Some(serde_json::Value::Number(n)) => n.to_string(),
                        _ => continue,
                    };
                    fields.set(*field, std::borrow::Cow::Owned(text));
                }
            }
            Reader::Text { prefix, parts } => {
                for (part, value) in parts.iter().zip(split_text(line, prefix, parts)?) {
                    if let Some(field) = part.field {
                        fields.set(field, std::borrow::Cow::Borrowed(value));
                    }
                }
            }
        }
        Some(fields)
    }
}

/// For a JSON format, where each wanted variable sits. Formats often leave numbers unquoted
/// (`"status": $context.status`), which is not JSON until the variables are quoted.
fn json_pointers(format: &str, variables: &Regex) -> Option<Vec<(Field, String)>> {
    if !format.trim_start().starts_with('{') {
        return None;
    }
    let mut quoted = String::with_capacity(format.len() + 16);
    let mut last = 0;
    for m in variables.find_iter(format) {
        quoted.push_str(&format[last..m.start()]);
        if in_string(&format[..m.start()]) {
            quoted.push_str(m.as_str());
        } else {
            quoted.push('"');
            quoted.push_str(m.as_str());
            quoted.push('"');
        }
        last = m.end();
    }
    quoted.push_str(&format[last..]);
    let template: serde_json::Value = serde_json::from_str(&quoted).ok()?;
    let mut pointers = Vec::new();
    walk(&template, String::new(), &mut pointers);
    Some(pointers)
}

/// Whether the end of `prefix` is inside a JSON string (an odd number of unescaped quotes).
fn in_string(prefix: &str) -> bool {
    let mut inside = false;
    let mut escaped = false;
    for c in prefix.chars() {
        match (c, escaped) {
            ('\\', false) => escaped = true,
            ('"', false) => inside = !inside,
            _ => escaped = false,
        }
    }
    inside
}

fn walk(value: &serde_json::Value, pointer: String, out: &mut Vec<(Field, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                walk(inner, format!("{pointer}/{escaped}"), out);
            }
        }
        serde_json::Value::String(text) => {
            // Only a value that is exactly one variable: "$context.status".
            if let Some(field) = text.strip_prefix('$').and_then(Field::of) {
                out.push((field, pointer));
            }
        }
        _ => {}
    }
}

/// A text format (CLF, CSV, XML) as its literal pieces around the variables.
fn text_reader(format: &str, variables: &Regex) -> Reader {
    let matches: Vec<_> = variables.find_iter(format).collect();
    let prefix = matches.first().map_or(format, |m| &format[..m.start()]).to_string();
    let parts = matches
        .iter()
        .enumerate()
        .map(|(index, m)| {
            let next = matches.get(index + 1).map_or(format.len(), |n| n.start());
            let variable = &m.as_str()[1..];
            TextPart {
                field: Field::of(variable),
                free_text: !CONSTRAINED.contains(&variable),
                literal: format[m.end()..next].to_string(),
            }
        })
        .collect();
    Reader::Text { prefix, parts }
}

/// Each variable's value in a text line, or None when the line is not in the format. The
/// variables before the first free-text one are read from the start, each running to the
/// first occurrence of the literal after it; those after the last free-text one from the end,
/// each starting after the last occurrence of the literal before it; so that a caller's user
/// agent or path cannot carry a literal that shifts the status or the cause into another
/// field. One pass, no backtracking.
fn split_text<'a>(line: &'a str, prefix: &str, parts: &[TextPart]) -> Option<Vec<&'a str>> {
    let mut values = vec![""; parts.len()];
    let mut rest = line.strip_prefix(prefix)?;
    let Some(last) = parts.len().checked_sub(1) else {
        return rest.is_empty().then_some(values);
    };
    rest = rest.strip_suffix(parts[last].literal.as_str())?;
    let first_free = parts.iter().position(|p| p.free_text).unwrap_or(last);
    let last_free = parts.iter().rposition(|p| p.free_text).unwrap_or(last);
    // From the start: each value runs to the first occurrence of its literal.
    let forward = |range: std::ops::Range<usize>, values: &mut [&'a str], mut rest: &'a str| {
        for index in range {
            let literal = parts[index].literal.as_str();
            if literal.is_empty() {
                continue;
            }
            let at = rest.find(literal)?;
            values[index] = &rest[..at];
            rest = &rest[at + literal.len()..];
        }
        Some(rest)
    };
    rest = forward(0..first_free, &mut values, rest)?;
    // From the end: each value starts after the last occurrence of the literal before it.
    for index in (last_free + 1..parts.len()).rev() {
        let literal = parts[index - 1].literal.as_str();
        if literal.is_empty() {
            continue;
        }
        let at = rest.rfind(literal)?;
        values[index] = &rest[at + literal.len()..];
        rest = &rest[..at];
    }
    // Between, from the start again; the last free-text value takes what remains.
    values[last_free] = forward(first_free..last_free, &mut values, rest)?;
    Some(values)
}

fn classify_fields(fields: Fields<'_>) -> Line<'_> {
    let status = fields.status.as_deref().and_then(|s| s.trim().parse::<u16>().ok());
    let named = fields.response_type.as_deref().and_then(Cause::from_response_type);
    let waf_blocked = fields.waf_response_code.as_deref() == Some("WAF_BLOCK");
    let refused = status.is_some_and(is_refusal_status) || named.is_some() || waf_blocked;
    if !refused {
        return match status {
            Some(_) => Line::Served,
            None => Line::Unreadable,
        };
    }
    let cause = named
        .or(waf_blocked.then_some(Cause::WafFiltered))
        .or_else(|| fields.error_message.as_deref().and_then(Cause::from_error_message))
        .or_else(|| fields.authorizer_error.as_ref().map(|_| Cause::AuthorizerFailure))
        .unwrap_or(if fields.response_type.is_some() {
            Cause::OtherRefusal
        } else {
            Cause::Unclassified
        });
    Line::Refused(super::Refusal {
        cause,
        status,
        key_id: fields.api_key_id,
        request_id: fields.request_id,
    })
}
