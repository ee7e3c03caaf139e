//! Field-by-field differences between two API proxy configurations, so a person sees what a rollback
//! would change before making it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::ProxySpec;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

/// One field that differs. `path` names it as in the JSON configuration: `routing.addressList[1].weight`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub path: String,
    pub kind: ChangeKind,
    /// The value before (absent when added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub from: Option<Value>,
    /// The value after (absent when removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub to: Option<Value>,
}

/// The changes that turn `from` into `to`, leaves only, in a stable order.
pub fn diff_specs(from: &ProxySpec, to: &ProxySpec) -> Result<Vec<FieldChange>> {
    let from = serde_json::to_value(from).map_err(Error::internal)?;
    let to = serde_json::to_value(to).map_err(Error::internal)?;
    let mut changes = Vec::new();
    walk("", Some(&from), Some(&to), &mut changes);
    Ok(changes)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, from: Option<&Value>, to: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (from, to) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))).collect();
            keys.sort();
            for key in keys {
                walk(&join(path, key), a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                walk(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
            }
        }
        (Some(a), Some(b)) if a == b => {}
        (a, b) => out.push(FieldChange {
            path: path.to_owned(),
            kind: match (a, b) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            },
            from: a.cloned(),
            to: b.cloned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RoutingAddress, RoutingAlgorithm};

    fn address(port: u16, weight: u32) -> RoutingAddress {
        RoutingAddress {
            address: format!("http://127.0.0.1:{port}"),
            weight,
            soap_type: None,
        }
    }

    #[test]
    fn names_each_changed_leaf() {
        let mut a = ProxySpec {
            relative_path: "/pets".into(),
            ..Default::default()
        };
        a.routing.address_list = vec![address(1, 1)];
        let mut b = a.clone();
        b.routing.algorithm = RoutingAlgorithm::WeightedRoundRobin;
        b.routing.address_list = vec![address(1, 3), address(2, 1)];
        b.maintenance_mode = true;
        let changes = diff_specs(&a, &b).unwrap();
        let paths: Vec<(&str, ChangeKind)> = changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            paths,
            vec![
                ("maintenanceMode", ChangeKind::Changed),
                ("routing.addressList[0].weight", ChangeKind::Changed),
                ("routing.addressList[1]", ChangeKind::Added),
                ("routing.algorithm", ChangeKind::Changed),
            ]
        );
        assert_eq!(changes[1].from, Some(Value::from(1)));
        assert_eq!(changes[1].to, Some(Value::from(3)));
        assert!(diff_specs(&a, &a).unwrap().is_empty());
        let back = diff_specs(&b, &a).unwrap();
        assert_eq!(back[2].kind, ChangeKind::Removed);
    }
}
