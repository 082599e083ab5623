//! The request to explain: a URL, a method and headers, from flags or a pasted curl command.
//! Header values stay in memory only: nothing here prints them, and `Debug` hides them.

use std::fmt;
use std::net::IpAddr;

/// Headers whose values gatecheck reads (to route the request or recognise a signature)
/// and may therefore show. Every other value is never shown.
const SHOWABLE_HEADERS: &[&str] = &["host", "x-apigw-api-id", "content-type"];

#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    /// Lower case: HTTP header names are case-insensitive.
    pub name: String,
    value: String,
}

impl Header {
    pub fn new(name: &str, value: &str) -> Self {
        Header {
            name: name.trim().to_ascii_lowercase(),
            value: value.trim().to_string(),
        }
    }

    /// The value, for the gates to inspect. Never to be printed unless [`Header::showable`].
    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn showable(&self) -> bool {
        SHOWABLE_HEADERS.contains(&self.name.as_str())
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.showable() {
            write!(f, "{}: {}", self.name, self.value)
        } else {
            write!(f, "{}: <hidden>", self.name)
        }
    }
}

/// How the caller's API key is known, if at all. Never by its value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KeyIdentity {
    /// Neither `--key-id` nor `--lookup-key-value` was given.
    #[default]
    Unknown,
    /// `--key-id`.
    Given(String),
    /// `--lookup-key-value` found the key with this id.
    LookedUp(String),
    /// `--lookup-key-value` found no key with the header's value.
    NoKeyHasValue,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The URL as given, query string and all.
    pub url: String,
    /// Lower case, without port.
    pub host: String,
    /// The path, from `/`, without query string or fragment, each segment percent-decoded.
    pub path: String,
    /// The query string's pairs, decoded. Values are never shown (a presigned URL's
    /// signature, a token).
    pub query: Vec<(String, String)>,
    pub headers: Vec<Header>,
    pub source_ip: Option<IpAddr>,
    pub key: KeyIdentity,
    /// Whether the caller presents a client certificate (for a domain with mutual TLS).
    pub client_certificate: bool,
    /// The VPC the caller is in (`--from-vpc`): an execute-api endpoint there with private DNS
    /// on takes its calls to execute-api names.
    pub from_vpc: Option<String>,
}

impl fmt::Debug for Request {
    /// Without query values (a presigned URL's signature) or hidden headers' values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.shown_url())
            .field("host", &self.host)
            .field("path", &self.path)
            .field("headers", &self.headers)
            .field("source_ip", &self.source_ip)
            .field("key", &self.key)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("'{0}' is not an http(s) URL")]
    NotAUrl(String),
    #[error("'{0}' still holds placeholders: put in the API's id, region or endpoint")]
    Placeholder(String),
    #[error("a header given with -H must be 'Name: value'; the one that starts '{0} ...' has no colon after its name (the rest is not shown: it may hold a secret)")]
    BadHeader(String),
    #[error("the curl command has no URL")]
    NoUrl,
    #[error("the curl command has two URLs: '{0}' and '{1}'")]
    TwoUrls(String, String),
    #[error("curl option {0} needs a value")]
    MissingValue(String),
    #[error("curl option {0} is not understood; explain takes -X/--request, -H/--header, -d/--data*, --json, -G, -I and --url, and ignores output options")]
    UnknownOption(String),
    #[error("the curl command line does not parse: {0}")]
    Quoting(String),
    #[error("that is not a curl command (it starts with '{0}')")]
    NotCurl(String),
}

impl Request {
    /// A request for `url` with `method` (GET when None) and `Name: value` headers.
    pub fn new(url: &str, method: Option<&str>, headers: &[String]) -> Result<Request, RequestError> {
        // Credentials in the URL (`https://user:password@host/...`) decide nothing API
        // Gateway does, and would be printed with it: they are dropped here.
        let url = &without_userinfo(url.trim());
        let (host, path, query) = split_url(url)?;
        let headers = headers.iter().map(|h| parse_header(h)).collect::<Result<Vec<_>, _>>()?;
        Ok(Request {
            method: method.unwrap_or("GET").trim().to_ascii_uppercase(),
            url: url.trim().to_string(),
            host,
            path,
            query,
            headers,
            source_ip: None,
            key: KeyIdentity::Unknown,
            client_certificate: false,
            from_vpc: None,
        })
    }

    /// The URL with every query value hidden: a presigned URL's signature and session token,
    /// or a token, would otherwise be printed.
    pub fn shown_url(&self) -> String {
        let Some((base, query)) = self.url.split_once('?') else {
            return self.url.clone();
        };
        let names: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| pair.split('=').next().unwrap_or_default())
            .collect();
        format!(
            "{base}?{}",
            names.iter().map(|n| format!("{n}=…")).collect::<Vec<_>>().join("&")
        )
    }

    /// The value of query parameter `name`, for the gates to inspect; never to be printed.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Whether the request carries a SigV4 signature: in an Authorization header, or in the
    /// query string of a presigned URL.
    pub fn signed(&self) -> bool {
        self.header("authorization")
            .is_some_and(|h| h.value().starts_with("AWS4-HMAC-SHA256"))
            || self.query_value("X-Amz-Algorithm") == Some("AWS4-HMAC-SHA256")
    }

    /// The request as CloudFront sends it on to its origin: from one of CloudFront's own
    /// addresses (which explain cannot know), with the viewer's address appended to
    /// X-Forwarded-For.
    pub fn as_cloudfront_sends_it(&self) -> Request {
        let mut sent = self.clone();
        if let Some(ip) = self.source_ip {
            let forwarded = match self.header("x-forwarded-for") {
                Some(h) => format!("{}, {ip}", h.value()),
                None => ip.to_string(),
            };
            sent.headers.retain(|h| h.name != "x-forwarded-for");
            sent.headers.push(Header::new("x-forwarded-for", &forwarded));
        }
        sent.source_ip = None;
        sent
    }

    pub fn header(&self, name: &str) -> Option<&Header> {
        self.headers.iter().rev().find(|h| h.name.eq_ignore_ascii_case(name))
    }

    /// Header names as sent, with the values of the ones gatecheck may show.
    pub fn describe_headers(&self) -> Vec<String> {
        self.headers
            .iter()
            .map(|h| {
                if h.showable() {
                    format!("{}: {}", h.name, h.value)
                } else {
                    h.name.clone()
                }
            })
            .collect()
    }
}

/// The URL without a `user:password@` before its host.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    match scheme {
        Some(scheme) => format!("{scheme}://{host}{tail}"),
        None => format!("{host}{tail}"),
    }
}

fn parse_header(text: &str) -> Result<Header, RequestError> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.trim().contains(' ') => Ok(Header::new(name, value)),
        // Only the name is echoed: the value may be a key.
        _ => Err(RequestError::BadHeader(
            text.split([':', ' ', '='])
                .find(|w| !w.is_empty())
                .unwrap_or_default()
                .to_string(),
        )),
    }
}

/// (host, path) of an http(s) URL; a URL without a scheme is taken as https.
/// The host (lower case, without port; an IPv6 literal keeps its brackets), the path with
/// each segment percent-decoded as API Gateway matches it, and the query's pairs.
type SplitUrl = (String, String, Vec<(String, String)>);

fn split_url(url: &str) -> Result<SplitUrl, RequestError> {
    let text = url.trim();
    let with_scheme = if text.contains("://") {
        text.to_string()
    } else {
        format!("https://{text}")
    };
    let authority = with_scheme.split_once("://").map_or("", |(_, rest)| rest);
    let authority = authority.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err(RequestError::NotAUrl(text.to_string()));
    }
    let parsed = url::Url::parse(&with_scheme).map_err(|_| {
        if authority.contains(['[', '{', '<']) {
            RequestError::Placeholder(text.to_string())
        } else {
            RequestError::NotAUrl(text.to_string())
        }
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RequestError::NotAUrl(text.to_string()));
    }
    let host = match parsed.host() {
        // Given without a scheme, a word with no dot is not a host API Gateway serves (each
        // execute-api and custom domain host has one): say it is not a URL.
        Some(url::Host::Domain(name)) if !text.contains("://") && !name.contains('.') => {
            return Err(RequestError::NotAUrl(text.to_string()))
        }
        Some(url::Host::Domain(name)) => name.to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => format!("[{ip}]"),
        None => return Err(RequestError::NotAUrl(text.to_string())),
    };
    let path = parsed
        .path()
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect::<Vec<_>>()
        .join("/");
    let query = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok((host, if path.is_empty() { "/".into() } else { path }, query))
}

/// A curl command as the user pasted it: one line, with quotes, maybe a `$ ` prompt and
/// backslash line continuations.
pub fn parse_curl_line(line: &str) -> Result<Request, RequestError> {
    parse_words(&split_line(line)?)
}

fn split_line(line: &str) -> Result<Vec<String>, RequestError> {
    let line = line.replace("\\\r\n", " ").replace("\\\n", " ");
    let line = line.trim().trim_start_matches('$').trim();
    shell_words::split(line).map_err(|e| RequestError::Quoting(e.to_string()))
}

/// A curl command already split into words (as a shell passes them after `--`). A single
/// word holding a whole command line is split once, as a shell would.
pub fn parse_curl(words: &[String]) -> Result<Request, RequestError> {
    if let [single] = words {
        if single.trim().contains(char::is_whitespace) {
            let split = split_line(single)?;
            if split.len() > 1 {
                return parse_words(&split);
            }
        }
    }
    parse_words(words)
}

fn parse_words(words: &[String]) -> Result<Request, RequestError> {
    let mut words = words.iter().map(String::as_str).peekable();
    match words.peek() {
        Some(first) if first.rsplit('/').next() == Some("curl") => {
            words.next();
        }
        Some(first) if first.starts_with('-') || first.contains("://") => {}
        Some(first) => return Err(RequestError::NotCurl((*first).to_string())),
        None => return Err(RequestError::NoUrl),
    }

    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<String> = Vec::new();
    let mut has_data = false;
    let mut get_with_data = false;
    let mut head = false;
    let set_url = |value: &str, url: &mut Option<String>| match url {
        Some(first) => Err(RequestError::TwoUrls(first.clone(), value.to_string())),
        None => {
            *url = Some(value.to_string());
            Ok(())
        }
    };

    while let Some(word) = words.next() {
        // `-XPOST`, `-H'x: y'` and `--request=POST` carry their value in the same word.
        let (option, inline): (&str, Option<&str>) = if let Some(long) = word.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => (&word[..name.len() + 2], Some(value)),
                None => (word, None),
            }
        } else if word.starts_with('-') && !word.starts_with("--") && word.chars().count() > 2 {
            // Split after the option letter, on a character boundary (`-é…` is not an option).
            let at = word.char_indices().nth(2).map_or(word.len(), |(i, _)| i);
            (&word[..at], Some(&word[at..]))
        } else {
            (word, None)
        };
        match option {
            "-X" | "--request" => method = Some(take(inline, &mut words, option)?),
            "-H" | "--header" => headers.push(take(inline, &mut words, option)?),
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode" | "--data-ascii" | "-F"
            | "--form" => {
                take(inline, &mut words, option)?;
                has_data = true;
            }
            "--json" => {
                take(inline, &mut words, option)?;
                has_data = true;
                headers.push("Content-Type: application/json".into());
                headers.push("Accept: application/json".into());
            }
            "-A" | "--user-agent" => headers.push(format!("User-Agent: {}", take(inline, &mut words, option)?)),
            "-e" | "--referer" => headers.push(format!("Referer: {}", take(inline, &mut words, option)?)),
            "-b" | "--cookie" => headers.push(format!("Cookie: {}", take(inline, &mut words, option)?)),
            "-u" | "--user" => {
                take(inline, &mut words, option)?;
                headers.push("Authorization: Basic (from -u)".into());
            }
            "--aws-sigv4" => {
                take(inline, &mut words, option)?;
                headers.push("Authorization: AWS4-HMAC-SHA256 (from --aws-sigv4)".into());
            }
            "--url" => {
                let v = take(inline, &mut words, option)?;
                set_url(&v, &mut url)?
            }
            "-G" | "--get" => get_with_data = true,
            "-I" | "--head" => head = true,
            // Options that take a value but do not change the request API Gateway sees.
            "-o" | "--output" | "-m" | "--max-time" | "--connect-timeout" | "--retry" | "-w" | "--write-out"
            | "--cacert" | "--cert" | "--key" | "-E" | "--resolve" | "--connect-to" | "-x" | "--proxy"
            | "--limit-rate" | "-D" | "--dump-header" | "-T" | "--upload-file" | "--http-version" => {
                take(inline, &mut words, option)?;
            }
            // Flags that do not change the request.
            "-v" | "--verbose" | "-s" | "--silent" | "-S" | "--show-error" | "-i" | "--include" | "-k"
            | "--insecure" | "-L" | "--location" | "-f" | "--fail" | "--compressed" | "-g" | "--globoff"
            | "--http1.1" | "--http2" | "-#" | "--progress-bar" | "-N" | "--no-buffer" | "--fail-with-body" => {
                // A short flag with letters after it (`-sv`) is several flags.
                if let Some(rest) = inline {
                    if !rest.chars().all(|c| "vsSikLfgN#".contains(c)) {
                        return Err(RequestError::UnknownOption(word.to_string()));
                    }
                }
            }
            _ if word.starts_with('-') => return Err(RequestError::UnknownOption(word.to_string())),
            _ => set_url(word, &mut url)?,
        }
    }
    let url = url.ok_or(RequestError::NoUrl)?;
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if has_data && !get_with_data {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    Request::new(&url, Some(&method), &headers)
}

fn take(
    inline: Option<&str>,
    words: &mut std::iter::Peekable<impl Iterator<Item = impl AsRef<str>>>,
    option: &str,
) -> Result<String, RequestError> {
    match inline {
        Some(v) => Ok(v.to_string()),
        None => words
            .next()
            .map(|v| v.as_ref().to_string())
            .ok_or_else(|| RequestError::MissingValue(option.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_word_is_not_a_url() {
        let err = Request::new("notaurl", None, &[]).unwrap_err();
        assert!(matches!(err, RequestError::NotAUrl(_)), "{err}");
        assert!(
            Request::new("api.example.com/prod/x", None, &[]).is_ok(),
            "a custom domain"
        );
    }

    #[test]
    fn credentials_in_the_url_are_dropped_before_anything_shows_it() {
        for url in [
            "https://user:hunter2pass@abc123.execute-api.eu-west-1.amazonaws.com/prod/a?x=1",
            "user:hunter2pass@abc123.execute-api.eu-west-1.amazonaws.com/prod/a?x=1",
        ] {
            let r = Request::new(url, None, &[]).unwrap();
            assert!(
                !r.url.contains("hunter2pass") && !r.shown_url().contains("hunter2pass"),
                "{r:?}"
            );
            assert_eq!(r.host, "abc123.execute-api.eu-west-1.amazonaws.com");
            assert_eq!(r.path, "/prod/a");
        }
        // An @ further on is the path's, not credentials.
        let r = Request::new("https://h.example.com/prod/a@b", None, &[]).unwrap();
        assert_eq!(r.path, "/prod/a@b");
    }

    #[test]
    fn url_parts() {
        let r = Request::new(
            "https://abc123.execute-api.eu-west-1.amazonaws.com:443/prod/a?x=1#f",
            None,
            &[],
        )
        .unwrap();
        assert_eq!(
            (r.method.as_str(), r.host.as_str(), r.path.as_str()),
            ("GET", "abc123.execute-api.eu-west-1.amazonaws.com", "/prod/a")
        );
        let bare = Request::new("api.example.com", Some("post"), &[]).unwrap();
        assert_eq!((bare.method.as_str(), bare.path.as_str()), ("POST", "/"));
        assert!(matches!(
            Request::new("ftp://x/y", None, &[]),
            Err(RequestError::NotAUrl(_))
        ));
        assert!(matches!(
            Request::new("https:///p", None, &[]),
            Err(RequestError::NotAUrl(_))
        ));
    }

    #[test]
    fn bad_header_error_names_only_the_name() {
        let err = Request::new("https://h/p", None, &["x-api-key secretvalue".into()]).unwrap_err();
        assert!(!err.to_string().contains("secretvalue"), "{err}");
        assert!(err.to_string().contains("starts 'x-api-key ...' has no colon"), "{err}");
    }

    #[test]
    fn debug_hides_header_values() {
        let r = Request::new(
            "https://h/p",
            None,
            &["x-api-key: s3cr3t".into(), "x-apigw-api-id: abc".into()],
        )
        .unwrap();
        let shown = format!("{r:?} {:?}", r.describe_headers());
        assert!(
            !shown.contains("s3cr3t") && shown.contains("x-apigw-api-id: abc"),
            "{shown}"
        );
    }

    #[test]
    fn curl_forms() {
        let r = parse_curl_line(
            r#"curl -sS -XPUT 'https://h.example.com/prod/a b' -H"x-api-key: k" --header='Accept: */*' -v"#,
        )
        .unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str()), ("PUT", "/prod/a b"));
        assert_eq!(r.headers.len(), 2);
        let posted = parse_curl_line("curl --url https://h/p \\\n  --data-raw '{\"a\":1}'").unwrap();
        assert_eq!(posted.method, "POST");
        let got = parse_curl_line("curl -G -d q=1 https://h/p").unwrap();
        assert_eq!(got.method, "GET");
        let json = parse_curl_line("curl --json '{}' https://h/p").unwrap();
        assert_eq!(json.method, "POST");
        assert_eq!(json.header("content-type").map(Header::value), Some("application/json"));
        let head = parse_curl_line("curl -I https://h/p").unwrap();
        assert_eq!(head.method, "HEAD");
        let split: Vec<String> = ["curl", "-X", "DELETE", "https://h/p"].map(String::from).to_vec();
        assert_eq!(parse_curl(&split).unwrap().method, "DELETE");
        let one_word = vec!["curl -H 'x-api-key: v' https://h/p".to_string()];
        assert!(parse_curl(&one_word).unwrap().header("X-Api-Key").is_some());
        let signed = parse_curl_line("curl --aws-sigv4 aws:amz:eu-west-1:execute-api https://h/p").unwrap();
        assert!(signed
            .header("authorization")
            .is_some_and(|h| h.value().starts_with("AWS4-HMAC-SHA256")));
    }

    #[test]
    fn curl_errors() {
        assert_eq!(parse_curl_line("curl -v"), Err(RequestError::NoUrl));
        assert_eq!(
            parse_curl_line("curl https://a/ https://b/"),
            Err(RequestError::TwoUrls("https://a/".into(), "https://b/".into()))
        );
        assert_eq!(
            parse_curl_line("curl https://a/ -H"),
            Err(RequestError::MissingValue("-H".into()))
        );
        assert!(matches!(
            parse_curl_line("curl --frobnicate https://a/"),
            Err(RequestError::UnknownOption(_))
        ));
        assert!(matches!(
            parse_curl_line("curl 'https://a/"),
            Err(RequestError::Quoting(_))
        ));
        assert!(matches!(
            parse_curl_line("wget https://a/"),
            Err(RequestError::NotCurl(_))
        ));
        assert_eq!(parse_curl(&[]), Err(RequestError::NoUrl));
        // An option letter that is not ASCII is refused, not sliced through.
        assert!(matches!(
            parse_curl_line("curl -\u{e9}x https://a/"),
            Err(RequestError::UnknownOption(_))
        ));
        assert!(matches!(
            parse_curl_line("curl -\u{1f600}\u{1f600} https://a/"),
            Err(RequestError::UnknownOption(_))
        ));
        // A space shells do not split on: one word, read once, not re-split forever.
        assert!(parse_curl(&["curl\u{a0}https://a/".to_string()]).is_err());
    }

    /// The curl lines of the question that started the project.
    #[test]
    fn seed_thread_curl_lines_parse() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/seed/forbidden-with-api-key-thread.txt"
        );
        let thread = std::fs::read_to_string(path).expect("the seed thread beside the repository");
        let lines: Vec<&str> = thread
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("curl ") || l.starts_with("$ curl "))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        // The thread's URLs keep their placeholders: explain says so rather than guess.
        assert!(matches!(parse_curl_line(lines[0]), Err(RequestError::Placeholder(_))));
        let posted = parse_curl_line(&lines[0].replace("[api-id]", "a1b2c3").replace("[region]", "eu-west-1")).unwrap();
        assert_eq!(posted.method, "POST");
        assert_eq!(posted.host, "a1b2c3.execute-api.eu-west-1.amazonaws.com");
        assert_eq!(posted.path, "/");
        assert!(posted.header("x-api-key").is_some());
        let private = parse_curl_line(lines[1]).unwrap();
        assert_eq!(private.method, "GET");
        assert_eq!(private.host, "{vpce-id}.execute-api.{region}.vpce.amazonaws.com");
        assert_eq!(private.path, "/test");
        assert_eq!(private.header("x-apigw-api-id").map(Header::value), Some("{api-id}"));
    }
}
