//! The domain's SQL is written once for both backends (see `src/db.rs`): `$N` placeholders only (sqlx's Any
//! driver does not rewrite `?` for PostgreSQL), and none of SQLite's own statement forms. This reads the
//! sources, so a query in SQLite's dialect fails here, on every machine, not only where PostgreSQL runs.

#[test]
fn queries_use_numbered_placeholders_and_no_sqlite_only_forms() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut files = vec![src.clone()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let placeholder = ["= ?", "(?", ", ?", "IN ?", "> ?", "< ?"]
                .iter()
                .any(|p| code.contains(p));
            let sqlite_only = [
                "INSERT OR ",
                "LIMIT -1",
                "REPLACE INTO",
                "AUTOINCREMENT",
                "group_concat(",
            ]
            .iter()
            .any(|p| code.contains(p));
            if placeholder || sqlite_only {
                found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "SQLite-only SQL:\n{}", found.join("\n"));
}
