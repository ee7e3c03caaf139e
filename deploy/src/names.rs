use crate::{Error, Result};

/// Names appear in REST paths (`/apiops/projects/{projectName}/...`), so they are limited to characters that
/// need no escaping there.
pub(crate) fn check_name(what: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(Error::Invalid(format!("{what} value can not be empty!")));
    }
    if value.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{what} must be at most {max} characters."
        )));
    }
    let ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !value.starts_with('.');
    if !ok {
        return Err(Error::Invalid(format!(
            "{what} may contain only letters, digits, '-', '_' and '.', and may not start with '.'."
        )));
    }
    Ok(())
}

pub(crate) fn check_text(what: &str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{what} must be at most {max} characters."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_accept_path_safe_characters_only() {
        assert!(check_name("name", "MyProject", 100).is_ok());
        assert!(check_name("name", "petstore-api_v1.2", 100).is_ok());
        for bad in ["", "a b", "a/b", "..", ".hidden", "é", "a?b"] {
            assert!(check_name("name", bad, 100).is_err(), "{bad:?} accepted");
        }
        assert!(check_name("name", &"a".repeat(101), 100).is_err());
    }
}
