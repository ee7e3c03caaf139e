//! The domain's modules form layers: operations (deployments, environments, groups, history, proxies, access,
//! audit, users, ...) use the row lookups and write steps below them (`rows`, `steps`) and never each other in
//! a circle. This reads the sources and fails on any cycle of `crate::module` references.

use std::collections::{BTreeMap, BTreeSet};

fn references() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<(String, String)> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    let modules: BTreeSet<String> = files
        .iter()
        .map(|(n, _)| n.clone())
        .filter(|n| n != "lib")
        .collect();
    let mut graph = BTreeMap::new();
    for (name, text) in &files {
        let code: String = text
            .lines()
            .map(|l| l.split("//").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
        let mut uses = BTreeSet::new();
        // `crate::module::...` and the names inside `use crate::{a, b::c}`.
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let words: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                group[..group.find('}').unwrap_or(0)]
                    .split(',')
                    .map(|w| w.trim().split("::").next().unwrap_or_default())
                    .collect()
            } else {
                vec![rest
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default()]
            };
            for w in words {
                if modules.contains(w) && w != name {
                    uses.insert(w.to_owned());
                }
            }
        }
        graph.insert(name.clone(), uses);
    }
    graph
}

/// A path from `to` back to `from`, if there is one.
fn path_back(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![to.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap().clone();
        if last == from {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in graph.get(&last).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(next.clone());
            stack.push(longer);
        }
    }
    None
}

#[test]
fn no_module_of_the_domain_depends_on_itself_through_others() {
    let graph = references();
    assert!(
        graph.contains_key("rows") && graph.contains_key("steps"),
        "{graph:?}"
    );
    let mut cycles = Vec::new();
    for (module, uses) in &graph {
        for used in uses {
            if let Some(back) = path_back(&graph, module, used) {
                cycles.push(format!("{module} -> {}", back.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
