//! The console's session cookie never crosses the gateway. Browsers scope cookies by host, not by port, so a
//! gateway on the console's host name receives the console's cookie with every request; a backend that any
//! project member points a route at must not see it, and must not be able to set it either.

use http::header::{self, HeaderMap, HeaderValue};

/// The names the console gives its session cookie: plain over http, `__Host-` behind TLS.
pub const CONSOLE_SESSION_COOKIES: [&str; 2] = ["portico_session", "__Host-portico_session"];

fn is_console_cookie(pair: &str) -> bool {
    let pair = pair.trim();
    // A nameless cookie (`=portico_session=x`) is sent by some browsers as `portico_session=x`.
    let pair = pair.strip_prefix('=').unwrap_or(pair);
    let name = pair.split('=').next().unwrap_or_default().trim();
    CONSOLE_SESSION_COOKIES.contains(&name)
}

/// Takes the console's cookie out of a request's `Cookie` headers, keeping every other cookie.
pub fn strip_from_request(headers: &mut HeaderMap) {
    let values: Vec<HeaderValue> = headers.get_all(header::COOKIE).iter().cloned().collect();
    if !values
        .iter()
        .any(|v| v.to_str().map_or(true, |t| t.split(';').any(is_console_cookie)))
    {
        return;
    }
    headers.remove(header::COOKIE);
    for value in values {
        // A header that is not text cannot be read for names; it goes, rather than risk passing the cookie.
        let Ok(text) = value.to_str() else { continue };
        let kept: Vec<&str> = text
            .split(';')
            .map(str::trim)
            .filter(|pair| !pair.is_empty() && !is_console_cookie(pair))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&kept.join("; ")) {
            if !kept.is_empty() {
                headers.append(header::COOKIE, v);
            }
        }
    }
}

/// Takes every `Set-Cookie` that would set (or clear) the console's cookie out of a backend's response.
pub fn strip_from_response(headers: &mut HeaderMap) {
    let values: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    let sets_console = |v: &HeaderValue| v.to_str().map_or(true, is_console_cookie);
    if !values.iter().any(sets_console) {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for value in values.into_iter().filter(|v| !sets_console(v)) {
        headers.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_console_cookie_goes() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; portico_session=secret; b=2"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("__Host-portico_session=s"),
        );
        strip_from_request(&mut h);
        let left: Vec<_> = h.get_all(header::COOKIE).iter().collect();
        assert_eq!(left, ["a=1; b=2"]);

        let mut h = HeaderMap::new();
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("portico_session=x; Path=/"),
        );
        h.append(header::SET_COOKIE, HeaderValue::from_static("app=1; Path=/"));
        h.append(
            header::SET_COOKIE,
            HeaderValue::from_static("=portico_session=x; Path=/"),
        );
        strip_from_response(&mut h);
        let left: Vec<_> = h.get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(left, ["app=1; Path=/"]);
    }
}
