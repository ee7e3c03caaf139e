//! The ZIP archives that carry an API proxy export: written for export, read for import.
//!
//! An uploaded archive is untrusted. It is read in memory only, never extracted to disk, and refused whole
//! (with a sentence saying why) when it is too big, holds too many entries, hides an entry's real size,
//! nests another archive, holds a link or a path that climbs out, is encrypted, repeats a name, or holds
//! anything but one export JSON.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::{Error, Result};

/// What an uploaded archive may be. The server sets the archive size from its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// The largest archive (the uploaded file) accepted, in bytes.
    pub max_archive_bytes: usize,
    /// The most entries (files and folders) an archive may list.
    pub max_entries: usize,
    /// The largest export JSON accepted once decompressed, in bytes.
    pub max_entry_bytes: usize,
}

pub const DEFAULT_MAX_ARCHIVE_BYTES: usize = 10 * 1024 * 1024;

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_archive_bytes: DEFAULT_MAX_ARCHIVE_BYTES,
            max_entries: 8,
            max_entry_bytes: DEFAULT_MAX_ARCHIVE_BYTES,
        }
    }
}

/// The documented answer for a file that is not a ZIP archive or not named like one.
pub(crate) const NOT_A_ZIP: &str =
    "apiProxyExportFile parameter must be in zip file format and must end with zip extension!";
pub(crate) const EMPTY_FILE: &str = "apiProxyExportFile parameter can not be empty!";

fn refuse(why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!(
        "apiProxyExportFile is not a valid API Proxy export: {why}"
    ))
}

/// Checks an uploaded file's name the way the browser form does before upload: `.zip`, any case.
pub fn check_file_name(file_name: &str) -> Result<()> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".zip") && lower.len() > 4 {
        Ok(())
    } else {
        Err(Error::Invalid(NOT_A_ZIP.into()))
    }
}

/// File names that are archives themselves: an export never nests one.
const ARCHIVE_SUFFIXES: [&str; 9] = [
    ".zip", ".jar", ".war", ".ear", ".gz", ".tgz", ".tar", ".7z", ".rar",
];

/// Folders that archiving tools add on their own, whose entries are skipped.
fn is_tool_metadata(name: &str) -> bool {
    name.starts_with("__MACOSX/")
}

fn climbs_out(name: &str) -> bool {
    name.starts_with('/')
        || name.starts_with('\\')
        || name.contains('\\')
        || name.as_bytes().get(1) == Some(&b':')
        || name.split('/').any(|part| part == "..")
        || name.contains('\0')
}

/// Reads the one export JSON out of an uploaded archive, refusing anything else.
pub fn read_export_json(bytes: &[u8], limits: &ArchiveLimits) -> Result<Vec<u8>> {
    if bytes.is_empty() {
        return Err(Error::Invalid(EMPTY_FILE.into()));
    }
    if bytes.len() > limits.max_archive_bytes {
        return Err(Error::Invalid(format!(
            "apiProxyExportFile is larger than the limit of {} bytes!",
            limits.max_archive_bytes
        )));
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Error::Invalid(NOT_A_ZIP.into()))?;
    if zip.len() > limits.max_entries {
        return Err(refuse(format_args!(
            "the archive lists {} entries; at most {} are accepted.",
            zip.len(),
            limits.max_entries
        )));
    }
    if zip.has_duplicate_names() {
        return Err(refuse("the archive lists the same name twice."));
    }
    let mut export = None;
    for index in 0..zip.len() {
        let entry = zip.by_index_raw(index).map_err(refuse)?;
        let name = entry.name().map_err(refuse)?.into_owned();
        if climbs_out(&name) || entry.enclosed_name().is_none() {
            return Err(refuse(format_args!(
                "entry ({name}) has an absolute path or one that leaves the archive."
            )));
        }
        if entry.encrypted() {
            return Err(refuse(format_args!("entry ({name}) is encrypted.")));
        }
        if entry.is_symlink() {
            return Err(refuse(format_args!("entry ({name}) is a symbolic link.")));
        }
        if entry.is_dir() || is_tool_metadata(&name) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s)) {
            return Err(refuse(format_args!(
                "entry ({name}) is an archive inside the archive."
            )));
        }
        if !lower.ends_with(".json") {
            return Err(refuse(format_args!(
                "entry ({name}) is not an export JSON; the archive must hold one API Proxy export JSON only."
            )));
        }
        if entry.size() > limits.max_entry_bytes as u64 {
            return Err(refuse(format_args!(
                "entry ({name}) is larger than the limit of {} bytes.",
                limits.max_entry_bytes
            )));
        }
        if export.replace(index).is_some() {
            return Err(refuse("the archive holds more than one export JSON."));
        }
    }
    let index = export.ok_or_else(|| refuse("the archive holds no export JSON."))?;
    let entry = zip.by_index(index).map_err(refuse)?;
    // The declared size is only a claim: count the bytes that really come out, and stop one past the limit.
    let mut json = Vec::with_capacity((entry.size() as usize).min(limits.max_entry_bytes));
    entry
        .take(limits.max_entry_bytes as u64 + 1)
        .read_to_end(&mut json)
        .map_err(|e| refuse(format_args!("the export JSON could not be read ({e}).")))?;
    if json.len() > limits.max_entry_bytes {
        return Err(refuse(format_args!(
            "the export JSON is larger than the limit of {} bytes once decompressed.",
            limits.max_entry_bytes
        )));
    }
    if json.starts_with(b"PK\x03\x04") {
        return Err(refuse("the export JSON is an archive inside the archive."));
    }
    Ok(json)
}

/// Writes an archive holding one file.
pub(crate) fn write_single(file_name: &str, content: &[u8]) -> Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // The fastest deflate level: exports are made on request, and JSON shrinks well even so.
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .unix_permissions(0o644);
    zip.start_file(file_name, options).map_err(Error::internal)?;
    zip.write_all(content).map_err(Error::internal)?;
    let cursor = zip.finish().map_err(Error::internal)?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in entries {
            zip.start_file(*name, SimpleFileOptions::default()).unwrap();
            zip.write_all(content).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    fn refused(bytes: &[u8]) -> String {
        match read_export_json(bytes, &ArchiveLimits::default()) {
            Err(e @ (Error::Invalid(_) | Error::Violation(_))) => e.to_string(),
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn one_json_entry_comes_back_as_written() {
        let bytes = write_single("petstore-api.json", b"{\"a\":1}").unwrap();
        assert_eq!(
            read_export_json(&bytes, &ArchiveLimits::default()).unwrap(),
            b"{\"a\":1}"
        );
        let with_folder = archive(&[
            ("export/", b""),
            ("export/x.json", b"{}"),
            ("__MACOSX/._x.json", b""),
        ]);
        assert_eq!(
            read_export_json(&with_folder, &ArchiveLimits::default()).unwrap(),
            b"{}"
        );
    }

    #[test]
    fn file_names_must_end_in_zip() {
        assert!(check_file_name("export.ZIP").is_ok());
        assert!(check_file_name("export.zip.json").is_err());
        assert!(check_file_name(".zip").is_err());
    }

    #[test]
    fn hostile_archives_are_refused_with_a_reason() {
        assert_eq!(refused(b""), EMPTY_FILE);
        assert_eq!(refused(b"not a zip at all"), NOT_A_ZIP);
        assert!(refused(&archive(&[("a.json", b"{}"), ("b.json", b"{}")])).contains("more than one"));
        assert!(refused(&archive(&[("../a.json", b"{}")])).contains("leaves the archive"));
        assert!(refused(&archive(&[("/etc/a.json", b"{}")])).contains("leaves the archive"));
        assert!(refused(&archive(&[("inner.zip", b"PK")])).contains("archive inside"));
        assert!(refused(&archive(&[("a.txt", b"hi")])).contains("not an export JSON"));
        assert!(refused(&archive(&[("dir/", b"")])).contains("no export JSON"));
        let many: Vec<(String, &[u8])> = (0..9).map(|i| (format!("d{i}/"), &b""[..])).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        assert!(refused(&archive(&many)).contains("9 entries"));
    }

    #[test]
    fn real_decompressed_bytes_are_counted() {
        let limits = ArchiveLimits {
            max_entry_bytes: 1000,
            ..Default::default()
        };
        let big = vec![b' '; 5000];
        let bytes = write_single("x.json", &big).unwrap();
        assert!(bytes.len() < 1000, "compresses well: {}", bytes.len());
        assert!(matches!(read_export_json(&bytes, &limits), Err(Error::Invalid(m)) if m.contains("larger")));
        let small = ArchiveLimits {
            max_archive_bytes: 10,
            ..Default::default()
        };
        assert!(matches!(read_export_json(&bytes, &small), Err(Error::Invalid(m)) if m.contains("larger")));
    }
}
