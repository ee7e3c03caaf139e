//! Request paths as routing sees them: dot segments removed (RFC 3986 §5.2.4) before a route is matched and
//! before the rest goes to a backend, so `/evil/../admin` can neither reach another proxy's backend as
//! `/public-api/../admin` nor slip past a prefix. Only `.` and `%2e` are decoded, and only to recognise dot
//! segments; every other byte is forwarded as the client sent it.

use std::borrow::Cow;

/// Why a path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// More `..` than segments above it.
    ClimbsAboveRoot,
    /// An encoded slash or backslash, a backslash, or a dot segment with parameters (`..;`): forms that some
    /// backends read as separators or dot segments after the gateway has matched the path.
    Ambiguous,
}

fn dot_kind(segment: &str) -> Option<usize> {
    // A segment of one or two dots, each written as `.` or `%2e`/`%2E`. Compared as bytes: a path may hold
    // UTF-8, and slicing it as text inside a character would panic.
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix(b".") {
            rest = r;
        } else if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"%2e") {
            rest = &rest[3..];
        } else {
            return None;
        }
        dots += 1;
        if dots > 2 {
            return None;
        }
    }
    (dots > 0).then_some(dots)
}

fn ambiguous(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("%2f")
        || lower.contains("%5c")
        || path.contains('\\')
        || path.split('/').any(|s| {
            s.split_once(';')
                .is_some_and(|(head, _)| dot_kind(head).is_some())
        })
}

/// The path with its dot segments removed; borrowed when it has none (the common case costs one scan).
pub fn normalise(path: &str) -> Result<Cow<'_, str>, Refused> {
    if ambiguous(path) {
        return Err(Refused::Ambiguous);
    }
    if !path.split('/').any(|s| dot_kind(s).is_some()) {
        return Ok(Cow::Borrowed(path));
    }
    let mut kept: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let mut ends_in_directory = false;
    for segment in &segments {
        ends_in_directory = false;
        match dot_kind(segment) {
            Some(1) => ends_in_directory = true,
            Some(_) => {
                kept.pop().ok_or(Refused::ClimbsAboveRoot)?;
                ends_in_directory = true;
            }
            None => kept.push(segment),
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in &kept {
        out.push('/');
        out.push_str(segment);
    }
    if ends_in_directory || out.is_empty() {
        out.push('/');
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_go_and_plain_paths_stay_borrowed() {
        assert!(matches!(normalise("/a/b.c/..d/x"), Ok(Cow::Borrowed(_))));
        assert_eq!(normalise("/evil/../admin").unwrap(), "/admin");
        assert_eq!(normalise("/evil/%2e%2E/admin").unwrap(), "/admin");
        assert_eq!(normalise("/a/./b/.").unwrap(), "/a/b/");
        assert_eq!(normalise("/a/b/..").unwrap(), "/a/");
        assert_eq!(normalise("/a/..").unwrap(), "/");
        assert_eq!(normalise("/a/%2e/b").unwrap(), "/a/b");
        assert_eq!(normalise("/..").unwrap_err(), Refused::ClimbsAboveRoot);
        assert_eq!(
            normalise("/a/../../etc/passwd").unwrap_err(),
            Refused::ClimbsAboveRoot
        );
        assert!(matches!(normalise("/a/.../b"), Ok(Cow::Borrowed(_))));
        // UTF-8 in a path is matched as it is, never sliced inside a character.
        assert!(matches!(normalise("/éé/%2é"), Ok(Cow::Borrowed(_))));
        for ambiguous in [
            "/a/..;/admin",
            "/a/..%2fadmin",
            "/a/%2E%2E%5Cadmin",
            "/a/..\\admin",
            "/a/.;x/b",
        ] {
            assert_eq!(
                normalise(ambiguous).unwrap_err(),
                Refused::Ambiguous,
                "{ambiguous}"
            );
        }
        assert!(matches!(normalise("/a;v=1/b"), Ok(Cow::Borrowed(_))));
    }
}
