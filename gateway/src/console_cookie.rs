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

/// Keeps a backend's cookies inside the path its proxy owns: a `Set-Cookie` without a `Path`, or with one
/// outside `prefix`, gets `Path={prefix}`, so one team's backend cannot plant cookies that browsers send to
/// another team's proxies on the same gateway (as nginx's `proxy_cookie_path` would be set up to do). Pages
/// on one gateway host still share an origin; separate host names per team are the full separation.
pub fn scope_to_prefix(headers: &mut HeaderMap, prefix: &str) {
    if prefix.is_empty() || !headers.contains_key(header::SET_COOKIE) {
        return;
    }
    let within = |path: &str| {
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let values: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
    headers.remove(header::SET_COOKIE);
    for value in values {
        let Ok(text) = value.to_str() else { continue };
        let mut parts: Vec<String> = Vec::new();
        let mut scoped = false;
        for (i, part) in text.split(';').enumerate() {
            let trimmed = part.trim();
            let name = trimmed.split('=').next().unwrap_or_default().trim();
            let is_path = i > 0 && name.eq_ignore_ascii_case("path");
            if is_path {
                let path = trimmed.split_once('=').map_or("", |(_, p)| p.trim());
                if within(path) && !scoped {
                    parts.push(format!("Path={path}"));
                    scoped = true;
                }
                continue;
            }
            parts.push(trimmed.to_owned());
        }
        if !scoped {
            parts.push(format!("Path={prefix}"));
        }
        if let Ok(v) = HeaderValue::from_str(&parts.join("; ")) {
            headers.append(header::SET_COOKIE, v);
        }
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

    #[test]
    fn backend_cookies_stay_under_their_proxys_path() {
        let mut h = HeaderMap::new();
        for c in [
            "a=1",
            "b=2; Path=/",
            "c=3; path=/other; HttpOnly",
            "d=4; Path=/shop/cart",
            "e=5; Path=/shopping",
        ] {
            h.append(header::SET_COOKIE, HeaderValue::from_str(c).unwrap());
        }
        scope_to_prefix(&mut h, "/shop");
        let left: Vec<_> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            left,
            [
                "a=1; Path=/shop",
                "b=2; Path=/shop",
                "c=3; HttpOnly; Path=/shop",
                "d=4; Path=/shop/cart",
                "e=5; Path=/shop"
            ]
        );
    }
}
