use crate::model::{Rule, Violation};
use crate::Result;

/// Names appear in REST paths (`/apiops/projects/{projectName}/...`), so they are limited to characters that
/// need no escaping there. `field` is the name's field in the REST API's JSON.
pub(crate) fn check_name(field: &str, value: &str, max: usize) -> Result<()> {
    name_rule(field, value, max).map_err(Into::into)
}

/// The rule for a name, for the browser to check before sending as the server will.
pub fn name_rule(field: &str, value: &str, max: usize) -> Result<(), Violation> {
    let rule = if value.is_empty() {
        Rule::Required
    } else if value.chars().count() > max {
        Rule::TooLong { max }
    } else if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        || value.starts_with('.')
    {
        Rule::NameCharacters
    } else {
        return Ok(());
    };
    Err(Violation::new(field, rule))
}

#[cfg(feature = "storage")]
pub(crate) fn check_text(field: &str, value: &str, max: usize) -> Result<()> {
    text_rule(field, value, max).map_err(Into::into)
}

pub(crate) fn text_rule(field: &str, value: &str, max: usize) -> Result<(), Violation> {
    if value.chars().count() > max {
        Err(Violation::new(field, Rule::TooLong { max }))
    } else {
        Ok(())
    }
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

#[cfg(feature = "storage")]
/// Node ids are made by the node (kept in its cache dir): letters, digits, '.', '_' and '-'.
pub fn check_node_id(node_id: &str) -> Result<()> {
    let ok = !node_id.is_empty()
        && node_id.len() <= 64
        && node_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(crate::Error::Invalid(
            "node id must be 1 to 64 letters, digits, '.', '_' or '-'".into(),
        ))
    }
}
