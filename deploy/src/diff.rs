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
        (Some(Value::Array(a)), Some(Value::Array(b))) => match (keyed(a), keyed(b)) {
            // Backends are matched by address: reordering is no change, and replacing one backend
            // reads as that backend removed and another added, not as every later row edited.
            (Some(before), Some(after)) => {
                for (address, entry) in &before {
                    let twin = after.iter().find(|(a, _)| a == address).map(|(_, e)| *e);
                    let at = format!("{path}[address={address}]");
                    match twin {
                        Some(twin) => walk(&at, Some(entry), Some(twin), out),
                        None => out.push(change(at, Some(entry), None)),
                    }
                }
                for (address, entry) in &after {
                    if !before.iter().any(|(a, _)| a == address) {
                        out.push(change(format!("{path}[address={address}]"), None, Some(entry)));
                    }
                }
            }
            // A list of plain values (origins, methods) is one field: shown whole before and after.
            _ if a.iter().chain(b).all(|v| !v.is_object() && !v.is_array()) => {
                if a != b {
                    out.push(change(path.to_owned(), from, to));
                }
            }
            _ => {
                for i in 0..a.len().max(b.len()) {
                    walk(&format!("{path}[{i}]"), a.get(i), b.get(i), out);
                }
            }
        },
        (Some(a), Some(b)) if a == b => {}
        (a, b) => out.push(change(path.to_owned(), a, b)),
    }
}

fn change(path: String, from: Option<&Value>, to: Option<&Value>) -> FieldChange {
    FieldChange {
        path,
        kind: match (from, to) {
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        },
        from: from.cloned(),
        to: to.cloned(),
    }
}

/// A list of backends by address, when every entry has one and no address repeats (older stored
/// configurations may repeat one; those are compared by position).
fn keyed(list: &[Value]) -> Option<Vec<(&str, &Value)>> {
    let mut out: Vec<(&str, &Value)> = Vec::with_capacity(list.len());
    for entry in list {
        let address = entry.get("address")?.as_str()?;
        if out.iter().any(|(a, _)| *a == address) {
            return None;
        }
        out.push((address, entry));
    }
    Some(out)
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
                (
                    "routing.addressList[address=http://127.0.0.1:1].weight",
                    ChangeKind::Changed
                ),
                (
                    "routing.addressList[address=http://127.0.0.1:2]",
                    ChangeKind::Added
                ),
                ("routing.algorithm", ChangeKind::Changed),
            ]
        );
        assert_eq!(changes[1].from, Some(Value::from(1)));
        assert_eq!(changes[1].to, Some(Value::from(3)));
        assert!(diff_specs(&a, &a).unwrap().is_empty());
        let back = diff_specs(&b, &a).unwrap();
        assert_eq!(back[2].kind, ChangeKind::Removed);
    }

    #[test]
    fn backends_are_matched_by_address_and_plain_lists_compared_whole() {
        let mut a = ProxySpec::default();
        a.routing.address_list = vec![address(1, 1), address(2, 1), address(3, 1)];
        let mut b = a.clone();
        b.routing.address_list = vec![address(3, 1), address(1, 1), address(2, 1)];
        assert!(
            diff_specs(&a, &b).unwrap().is_empty(),
            "reordering backends changes nothing"
        );
        // Replacing the first backend is one removed and one added, not every row edited.
        b.routing.address_list = vec![address(4, 1), address(2, 1), address(3, 1)];
        let changes = diff_specs(&a, &b).unwrap();
        let paths: Vec<(&str, ChangeKind)> = changes.iter().map(|c| (c.path.as_str(), c.kind)).collect();
        assert_eq!(
            paths,
            [
                (
                    "routing.addressList[address=http://127.0.0.1:1]",
                    ChangeKind::Removed
                ),
                (
                    "routing.addressList[address=http://127.0.0.1:4]",
                    ChangeKind::Added
                ),
            ]
        );
        let mut c = a.clone();
        c.cors.allow_origins = vec!["https://a.example".into(), "https://b.example".into()];
        let changes = diff_specs(&a, &c).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "cors.allowOrigins");
        assert_eq!(
            changes[0].to,
            Some(serde_json::json!(["https://a.example", "https://b.example"]))
        );
    }

    #[test]
    fn repeated_addresses_in_old_configurations_are_compared_by_position() {
        let mut a = ProxySpec::default();
        a.routing.address_list = vec![address(1, 1), address(1, 2)];
        let mut b = a.clone();
        b.routing.address_list[1].weight = 5;
        let changes = diff_specs(&a, &b).unwrap();
        assert_eq!(changes[0].path, "routing.addressList[1].weight");
    }
}
