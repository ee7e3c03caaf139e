//! The configuration of API proxies and groups: what is edited, snapshotted, deployed and exported.

use serde::{Deserialize, Serialize};

use super::{Rule, Violation};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiType {
    #[default]
    Rest,
    Soap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoutingAlgorithm {
    #[default]
    RoundRobin,
    WeightedRoundRobin,
    LeastConnections,
    Random,
    IpHash,
    UrlHash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SoapType {
    #[serde(rename = "SOAP11")]
    Soap11,
    #[serde(rename = "SOAP12")]
    Soap12,
}

fn default_weight() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoutingAddress {
    pub address: String,
    #[serde(default = "default_weight")]
    pub weight: u32,
    #[serde(default)]
    pub soap_type: Option<SoapType>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Routing {
    #[serde(default)]
    pub algorithm: RoutingAlgorithm,
    #[serde(default)]
    pub address_list: Vec<RoutingAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cors {
    pub enabled: bool,
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Cache {
    pub enabled: bool,
    pub ttl_seconds: u32,
    /// The most responses kept for the proxy at once.
    pub max_entries: u32,
    /// Request headers the cache key includes. A request carrying `Authorization` or `Cookie` is answered
    /// from (and kept in) the cache only when that header is listed here, so one caller's private answer
    /// is never served to another.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vary_headers: Vec<String>,
}

/// An API proxy's configuration: everything a deploy makes live, except its deploy list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProxySpec {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub api_type: ApiType,
    pub relative_path: String,
    #[serde(default)]
    pub routing: Routing,
    #[serde(default)]
    pub maintenance_mode: bool,
    #[serde(default)]
    pub cors: Cors,
    #[serde(default)]
    pub cache: Cache,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClientRoute {
    pub relative_path_list: Vec<String>,
    pub method_list: Vec<String>,
}

/// A group's own settings, deployed with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GroupSpec {
    pub description: String,
    pub client_route: ClientRoute,
    pub cors: Cors,
    pub cache: Cache,
}

/// What a deploy makes live for one proxy, and what its history record keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub name: String,
    pub proxy: ProxySpec,
    /// The group the proxy was deployed with, and that group's settings.
    #[serde(default)]
    pub group: Option<GroupSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupSnapshot {
    pub name: String,
    pub settings: GroupSpec,
}

impl Snapshot {
    /// The request paths this snapshot answers at once live: its relative path, and that path under each of
    /// its group's client route paths; without a trailing '/', so the root is "". The gateway routes by
    /// these, and a deploy is refused when one of them overlaps another proxy's in the environment.
    pub fn route_prefixes(&self) -> Vec<String> {
        let own = self.proxy.relative_path.trim_end_matches('/');
        let mut prefixes: Vec<String> = self
            .group
            .iter()
            .flat_map(|g| &g.settings.client_route.relative_path_list)
            .map(|base| format!("{}{own}", base.trim_end_matches('/')))
            .collect();
        prefixes.push(own.to_owned());
        prefixes
    }
}

const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
/// Enough for a proxy balancing over a large fleet (cloud target groups stop at 1000 too).
const MAX_ADDRESSES: usize = 1000;
const MAX_WEIGHT: u32 = 1000;

/// Which rules apply. What is saved now meets every rule; what was stored before a rule existed (a
/// snapshot rolled back to, an export from an older Portico) meets the rules it was saved under, so a
/// rule added later never makes an old revision impossible to restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// Every rule: saving, creating, importing fresh input.
    Current,
    /// The rules every stored configuration already met.
    Stored,
}

/// Collects what a configuration breaks, every rule at once, so a form can mark each field.
struct Findings {
    found: Vec<Violation>,
    rules: Rules,
}

impl Findings {
    fn new(rules: Rules) -> Self {
        Findings {
            found: Vec::new(),
            rules,
        }
    }

    fn current(&self) -> bool {
        self.rules == Rules::Current
    }

    fn add(&mut self, field: impl Into<String>, rule: Rule) {
        self.found.push(Violation::new(field, rule));
    }

    fn text(&mut self, field: &str, value: &str, max: usize) {
        if let Err(v) = crate::names::text_rule(field, value, max) {
            self.found.push(v);
        }
    }

    fn path(&mut self, field: String, path: &str) {
        let ok = path.starts_with('/')
            && path.len() <= 255
            && !path.contains("//")
            && !path.split('/').any(|segment| segment == "..")
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
        if !ok {
            self.add(
                field,
                Rule::PathShape {
                    value: shortened(path),
                },
            );
        }
    }

    fn limit(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.add(field, Rule::TooMany { max });
        }
    }

    fn methods(&mut self, field: &str, methods: &[String]) {
        if self.current() {
            self.limit(field, methods.len(), MAX_METHODS);
        }
        for (i, m) in methods.iter().enumerate() {
            if !HTTP_METHODS.contains(&m.as_str()) {
                self.add(format!("{field}[{i}]"), Rule::HttpMethod { value: shortened(m) });
            }
        }
    }

    /// An entry of a CORS list: its shape under the current rules, its length under the stored ones.
    fn cors_entry(&mut self, field: String, value: &str, shaped: bool, rule: fn(String) -> Rule) {
        if self.current() {
            if !shaped {
                self.add(field, rule(shortened(value)));
            }
        } else if value.len() > MAX_CORS_ENTRY {
            self.add(field, Rule::TooLong { max: MAX_CORS_ENTRY });
        }
    }

    fn cors(&mut self, cors: &Cors) {
        self.limit("cors.allowOrigins", cors.allow_origins.len(), MAX_CORS_ENTRIES);
        self.limit("cors.allowHeaders", cors.allow_headers.len(), MAX_CORS_ENTRIES);
        for (i, origin) in cors.allow_origins.iter().enumerate().take(MAX_CORS_ENTRIES) {
            let field = format!("cors.allowOrigins[{i}]");
            self.cors_entry(field, origin, is_origin(origin), |value| Rule::Origin { value });
        }
        self.methods("cors.allowMethods", &cors.allow_methods);
        for (i, h) in cors.allow_headers.iter().enumerate().take(MAX_CORS_ENTRIES) {
            let field = format!("cors.allowHeaders[{i}]");
            self.cors_entry(field, h, h == "*" || is_header_name(h), |value| {
                Rule::HeaderName { value }
            });
        }
        if self.current() && cors.max_age_seconds > MAX_CORS_AGE {
            self.range(
                "cors.maxAgeSeconds",
                cors.max_age_seconds.into(),
                0,
                MAX_CORS_AGE.into(),
            );
        }
        // The gateway then echoes any caller's Origin with credentials allowed: every website could call
        // the API as the visitor. Refused under the stored rules too: an import or a rollback may not bring
        // it back.
        if cors.allow_credentials && cors.allow_origins.iter().any(|o| o == "*") {
            self.add("cors.allowCredentials", Rule::AnyOriginWithCredentials);
        }
    }

    fn cache(&mut self, cache: &Cache) {
        if cache.enabled && !(1..=MAX_TTL).contains(&cache.ttl_seconds) {
            self.range("cache.ttlSeconds", cache.ttl_seconds.into(), 1, MAX_TTL.into());
        }
        if cache.max_entries > MAX_CACHE_ENTRIES {
            self.range(
                "cache.maxEntries",
                cache.max_entries.into(),
                0,
                MAX_CACHE_ENTRIES.into(),
            );
        }
        self.limit("cache.varyHeaders", cache.vary_headers.len(), MAX_VARY);
        for (i, h) in cache.vary_headers.iter().enumerate().take(MAX_VARY) {
            if !is_header_name(h) {
                self.add(
                    format!("cache.varyHeaders[{i}]"),
                    Rule::HeaderName { value: shortened(h) },
                );
            }
        }
    }

    fn range(&mut self, field: &str, value: i64, min: i64, max: i64) {
        self.add(field, Rule::OutOfRange { value, min, max });
    }
}

/// What a refusal repeats of a value: at most 64 characters, control characters replaced, so a hostile
/// value neither bloats the answer nor writes into a log line.
pub(crate) fn shortened(value: &str) -> String {
    value
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}

const MAX_CORS_ENTRIES: usize = 100;
/// What stored CORS entries were held to before entries had a shape.
const MAX_CORS_ENTRY: usize = 1024;
/// A method may be listed once; a few more for lists written by hand.
const MAX_METHODS: usize = 20;
/// A day: browsers cap the preflight cache lower still (Chromium at two hours).
const MAX_CORS_AGE: u32 = 86_400;
const MAX_TTL: u32 = 86_400;
const MAX_CACHE_ENTRIES: u32 = 100_000;
const MAX_VARY: usize = 10;

fn is_header_name(h: &str) -> bool {
    !h.is_empty() && h.len() <= 64 && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `*`, or an origin as browsers send it: `scheme://host[:port]`, nothing after, the port only when it is
/// not the scheme's default (browsers leave 443 and 80 out). The gateway compares origins as strings, so
/// anything else (a path, a trailing '/', `:443`) could never match. Schemes other than http(s) are
/// allowed: apps (`capacitor://localhost`) and browser extensions send their own.
fn is_origin(origin: &str) -> bool {
    if origin == "*" {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    // An IPv6 host is bracketed; any other host runs to the port's colon.
    let (host_ok, port) = match rest.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((v6, tail)) => (
                !v6.is_empty() && v6.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.'),
                tail,
            ),
            None => return false,
        },
        None => {
            let (host, port) = rest.find(':').map_or((rest, ""), |i| rest.split_at(i));
            let ok = !host.is_empty()
                && host.len() <= 253
                && !host.starts_with(['.', '-'])
                && !host.ends_with('.')
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            (ok, port)
        }
    };
    let port_ok = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(p) => {
            let default = match scheme {
                "https" => "443",
                "http" => "80",
                _ => "",
            };
            !p.is_empty()
                && p.len() <= 5
                && p.chars().all(|c| c.is_ascii_digit())
                && !p.starts_with('0')
                && p.parse::<u16>().is_ok()
                && p != default
        }
    };
    scheme_ok && host_ok && port_ok
}

/// An environment's access URL: where its gateways are reached.
#[cfg(feature = "storage")]
pub(crate) fn check_access_url(url: &str) -> Result<()> {
    if is_http_url(url) {
        Ok(())
    } else {
        Err(Violation::new(
            "accessUrl",
            Rule::HttpUrl {
                value: shortened(url),
            },
        )
        .into())
    }
}

/// Whether an address is an http:// or https:// URL with a host.
pub(crate) fn is_http_url(address: &str) -> bool {
    let rest = address
        .strip_prefix("http://")
        .or_else(|| address.strip_prefix("https://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
    matches!(host, Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) && address.len() <= 2048)
}

impl Routing {
    /// Every rule the routing breaks; paths start at `routing`.
    pub fn violations(&self) -> Vec<Violation> {
        self.violations_under(Rules::Current)
    }

    pub fn violations_under(&self, rules: Rules) -> Vec<Violation> {
        let mut found = Findings::new(rules);
        found.limit("routing.addressList", self.address_list.len(), MAX_ADDRESSES);
        let mut seen = std::collections::HashSet::new();
        for (i, a) in self.address_list.iter().enumerate().take(MAX_ADDRESSES) {
            if !is_http_url(&a.address) {
                found.add(
                    format!("routing.addressList[{i}].address"),
                    Rule::HttpUrl {
                        value: shortened(&a.address),
                    },
                );
            } else if !seen.insert(a.address.trim_end_matches('/')) && found.current() {
                found.add(
                    format!("routing.addressList[{i}].address"),
                    Rule::Duplicate {
                        value: shortened(&a.address),
                    },
                );
            }
            if a.weight == 0 || a.weight > MAX_WEIGHT {
                found.range(
                    &format!("routing.addressList[{i}].weight"),
                    a.weight.into(),
                    1,
                    MAX_WEIGHT.into(),
                );
            }
        }
        found.found
    }

    pub fn validate(&self) -> Result<()> {
        first(self.violations())
    }
}

fn first(violations: Vec<Violation>) -> Result<()> {
    match violations.into_iter().next() {
        Some(v) => Err(Error::Violation(v)),
        None => Ok(()),
    }
}

impl ProxySpec {
    /// Every rule the configuration breaks, in the order of its fields; empty when it may be saved.
    pub fn violations(&self) -> Vec<Violation> {
        self.violations_under(Rules::Current)
    }

    pub fn violations_under(&self, rules: Rules) -> Vec<Violation> {
        let mut found = Findings::new(rules);
        found.text("description", &self.description, 1000);
        found.path("relativePath".into(), &self.relative_path);
        found.found.extend(self.routing.violations_under(rules));
        found.cors(&self.cors);
        found.cache(&self.cache);
        found.found
    }

    pub fn validate(&self) -> Result<()> {
        first(self.violations())
    }

    /// For a configuration stored before the current rules (see `Rules::Stored`).
    pub fn validate_stored(&self) -> Result<()> {
        first(self.violations_under(Rules::Stored))
    }
}

impl GroupSpec {
    pub fn violations(&self) -> Vec<Violation> {
        let mut found = Findings::new(Rules::Current);
        found.text("description", &self.description, 1000);
        found.limit(
            "clientRoute.relativePathList",
            self.client_route.relative_path_list.len(),
            MAX_CORS_ENTRIES,
        );
        for (i, p) in self
            .client_route
            .relative_path_list
            .iter()
            .enumerate()
            .take(MAX_CORS_ENTRIES)
        {
            found.path(format!("clientRoute.relativePathList[{i}]"), p);
        }
        found.methods("clientRoute.methodList", &self.client_route.method_list);
        found.cors(&self.cors);
        found.cache(&self.cache);
        found.found
    }

    pub fn validate(&self) -> Result<()> {
        first(self.violations())
    }
}

#[cfg(feature = "storage")]
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(Error::internal)
}

#[cfg(feature = "storage")]
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| Error::internal(format!("stored configuration does not parse: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ProxySpec {
        ProxySpec {
            relative_path: "/petstore".into(),
            ..Default::default()
        }
    }

    #[test]
    fn routing_enums_use_the_documented_names() {
        let json = r#"{"algorithm":"WEIGHTED_ROUND_ROBIN","addressList":[{"address":"https://b1.example.com","weight":3,"soapType":"SOAP12"}]}"#;
        let routing: Routing = serde_json::from_str(json).unwrap();
        assert_eq!(routing.algorithm, RoutingAlgorithm::WeightedRoundRobin);
        assert_eq!(routing.address_list[0].soap_type, Some(SoapType::Soap12));
        assert_eq!(serde_json::to_string(&routing).unwrap(), json);
        assert!(serde_json::from_str::<Routing>(r#"{"algorithm":"FASTEST"}"#).is_err());
        let weightless: RoutingAddress = serde_json::from_str(r#"{"address":"http://a"}"#).unwrap();
        assert_eq!(weightless.weight, 1);
    }

    fn address(address: &str, weight: u32) -> RoutingAddress {
        RoutingAddress {
            address: address.into(),
            weight,
            soap_type: None,
        }
    }

    fn rules(s: &ProxySpec) -> Vec<(String, Rule)> {
        s.violations().into_iter().map(|v| (v.field, v.rule)).collect()
    }

    #[test]
    fn bad_configuration_is_refused_with_the_field_named() {
        assert!(spec().validate().is_ok());
        let mut s = spec();
        s.relative_path = "petstore".into();
        assert!(matches!(s.validate(), Err(Error::Violation(v)) if v.field == "relativePath"));
        let mut s = spec();
        s.routing.address_list.push(address("ftp://x", 1));
        assert_eq!(
            rules(&s),
            [(
                "routing.addressList[0].address".into(),
                Rule::HttpUrl {
                    value: "ftp://x".into()
                }
            )]
        );
        let mut s = spec();
        s.routing.address_list.push(address("http://x", 0));
        assert_eq!(
            rules(&s),
            [(
                "routing.addressList[0].weight".into(),
                Rule::OutOfRange {
                    value: 0,
                    min: 1,
                    max: 1000
                }
            )]
        );
        let mut s = spec();
        s.cache = Cache {
            enabled: true,
            ttl_seconds: 0,
            max_entries: 10,
            ..Default::default()
        };
        assert_eq!(rules(&s)[0].0, "cache.ttlSeconds");
        let mut s = spec();
        s.relative_path = "/a/../b".into();
        assert!(s.validate().is_err());
    }

    #[test]
    fn every_broken_rule_is_reported_at_once_in_field_order() {
        let mut s = spec();
        s.relative_path = "no-slash".into();
        s.routing.address_list = vec![
            address("https://b1.example.com", 1),
            address("https://b1.example.com/", 2),
            address("http://b2.example.com", 1001),
        ];
        s.cors.allow_origins = vec![
            "https://app.example.com".into(),
            "https://app.example.com/path".into(),
        ];
        s.cors.allow_headers = vec!["X-Ok".into(), "bad header".into()];
        s.cache.vary_headers = vec!["Accept:".into()];
        let fields: Vec<String> = rules(&s).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "relativePath",
                "routing.addressList[1].address",
                "routing.addressList[2].weight",
                "cors.allowOrigins[1]",
                "cors.allowHeaders[1]",
                "cache.varyHeaders[0]",
            ]
        );
        assert!(matches!(&rules(&s)[1].1, Rule::Duplicate { value } if value == "https://b1.example.com/"));
    }

    #[test]
    fn origins_are_star_or_scheme_host_and_port() {
        for good in [
            "*",
            "https://app.example.com",
            "http://localhost:8080",
            "https://[::1]:8443",
            "https://[::1]",
            "http://10.0.0.1",
            "capacitor://localhost",
            "chrome-extension://abcdefghijklmnop",
            "https://app.example.com:8443",
        ] {
            assert!(is_origin(good), "{good} refused");
        }
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "https://app.example.com/x",
            "https://",
            "https://app example.com",
            "https://app.example.com:0",
            "https://app.example.com:99999",
            "null",
            "https://.example.com",
            "https://[::1",
            "https://[::1]x",
            "https://a.example.com:",
            "https://a:b:c",
            "https://app.example.com:443",
            "http://app.example.com:80",
            "https://app.example.com:0443",
            "https://app.example.com:+443",
            "https://app.example.com.",
            "://app.example.com",
            "1http://app.example.com",
        ] {
            assert!(!is_origin(bad), "{bad} accepted");
        }
    }

    #[test]
    fn hostile_values_are_cut_in_what_a_refusal_repeats() {
        let mut s = spec();
        s.cors.allow_origins = vec!["x".repeat(5000)];
        match &rules(&s)[0].1 {
            Rule::Origin { value } => assert_eq!(value.len(), 64),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_rule_added_later_never_refuses_what_was_stored_before_it() {
        let mut s = spec();
        s.cors.allow_origins = vec!["https://app.example.com/".into(), "*".into()];
        s.cors.allow_headers = vec!["X_Api_Key".into()];
        s.cors.max_age_seconds = 604_800;
        s.routing.address_list = vec![address("http://b.example", 1), address("http://b.example", 1)];
        let fields: Vec<String> = rules(&s).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "routing.addressList[1].address",
                "cors.allowOrigins[0]",
                "cors.allowHeaders[0]",
                "cors.maxAgeSeconds",
            ]
        );
        assert!(
            s.validate_stored().is_ok(),
            "{:?}",
            s.violations_under(Rules::Stored)
        );
        // Credentials for any origin is refused however old the configuration: no import or rollback brings
        // it back.
        s.cors.allow_credentials = true;
        assert!(
            matches!(s.validate_stored(), Err(Error::Violation(v)) if v.field == "cors.allowCredentials")
        );
        s.cors.allow_credentials = false;
        // What every stored configuration met still holds.
        s.relative_path = "no-slash".into();
        s.cors.allow_headers = vec!["x".repeat(1025)];
        let stored: Vec<String> = s
            .violations_under(Rules::Stored)
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(stored, ["relativePath", "cors.allowHeaders[0]"]);
    }

    #[test]
    fn control_characters_never_reach_a_refusal() {
        let mut s = spec();
        s.relative_path = format!("/a{}{}b", '\n', '\u{1b}');
        match &rules(&s)[0].1 {
            Rule::PathShape { value } => assert!(!value.chars().any(char::is_control), "{value:?}"),
            other => panic!("{other:?}"),
        }
    }
}
