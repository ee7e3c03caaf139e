//! A remote node's last known good: every live set it applies is written here, so a node that starts while
//! the control plane is unreachable serves what it served before. Also where the node keeps its id.
//!
//! The file is one header line, `portico-live-set <format> <sha256 of the body> <body length>`, then the
//! live set as JSON. It is written whole to a temporary file, synced, and renamed over the old one (and the
//! folder synced), so a crash leaves the old file or the new one, never half of one. A file that is
//! truncated, altered, of another environment or of a newer format is refused, never served.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use deploy::model::LiveSet;
use sha2::{Digest, Sha256};

const MAGIC: &str = "portico-live-set";
/// The format this build writes and reads.
pub const FORMAT: u32 = 1;
const FILE: &str = "live-set.json";
const NODE_ID: &str = "node-id";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheError {
    /// Not a cache file, cut short, or not what its checksum says.
    Corrupt(String),
    /// Written by a newer Portico; this one cannot know what it means.
    NewerFormat(u32),
    /// Kept by a node of another environment.
    OtherEnvironment(String),
    Io(String),
}

impl std::fmt::Display for CacheError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CacheError::Corrupt(why) => write!(f, "the cached live set is corrupt ({why})"),
            CacheError::NewerFormat(v) => write!(
                f,
                "the cached live set is in format {v}, newer than this node's {FORMAT}"
            ),
            CacheError::OtherEnvironment(e) => write!(f, "the cached live set is environment {e}'s"),
            CacheError::Io(e) => write!(f, "the cached live set cannot be read: {e}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CacheDir {
    dir: PathBuf,
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl CacheDir {
    /// Opens (creating it, readable by this user only) the folder.
    pub fn open(dir: &Path) -> std::io::Result<CacheDir> {
        fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(CacheDir {
            dir: dir.to_path_buf(),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// The node's id: made once, then kept here, so a restarted node is the same node in the registry.
    pub fn node_id(&self) -> std::io::Result<String> {
        let path = self.dir.join(NODE_ID);
        if let Ok(id) = fs::read_to_string(&path) {
            let id = id.trim();
            if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Ok(id.to_owned());
            }
        }
        let id = format!(
            "node-{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        write_atomically(&self.dir, NODE_ID, id.as_bytes())?;
        Ok(id)
    }

    /// The last live set written for `environment`; `None` when there is none yet.
    pub fn load(&self, environment: &str) -> Result<Option<LiveSet>, CacheError> {
        let bytes = match fs::read(self.path()) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CacheError::Io(e.to_string())),
        };
        let corrupt = |why: &str| CacheError::Corrupt(why.to_owned());
        let newline = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| corrupt("no header"))?;
        let header = std::str::from_utf8(&bytes[..newline]).map_err(|_| corrupt("no header"))?;
        let body = &bytes[newline + 1..];
        let fields: Vec<&str> = header.split(' ').collect();
        let [magic, format, checksum, length] = fields[..] else {
            return Err(corrupt("no header"));
        };
        if magic != MAGIC {
            return Err(corrupt("not a Portico cache file"));
        }
        let format: u32 = format.parse().map_err(|_| corrupt("bad format number"))?;
        if format > FORMAT {
            return Err(CacheError::NewerFormat(format));
        }
        let length: usize = length.parse().map_err(|_| corrupt("bad length"))?;
        if body.len() != length {
            return Err(corrupt(&format!("{} bytes of {length}: truncated", body.len())));
        }
        if hex_sha256(body) != checksum {
            return Err(corrupt("checksum mismatch"));
        }
        let set: LiveSet = serde_json::from_slice(body).map_err(|e| corrupt(&e.to_string()))?;
        if !set.environment.eq_ignore_ascii_case(environment) {
            return Err(CacheError::OtherEnvironment(set.environment));
        }
        Ok(Some(set))
    }

    /// Writes `set` as the last known good.
    pub fn store(&self, set: &LiveSet) -> std::io::Result<()> {
        let body = serde_json::to_vec(set).map_err(std::io::Error::other)?;
        let mut file = format!("{MAGIC} {FORMAT} {} {}\n", hex_sha256(&body), body.len()).into_bytes();
        file.extend_from_slice(&body);
        write_atomically(&self.dir, FILE, &file)
    }
}

/// Temporary file, fsync, rename, fsync of the folder.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, dir.join(name))?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, CacheDir) {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheDir::open(&dir.path().join("cache")).unwrap();
        (dir, cache)
    }

    #[test]
    fn what_is_stored_loads_back_and_the_node_id_stays() {
        let (_d, cache) = cache();
        assert_eq!(cache.load("test").unwrap(), None);
        let set = LiveSet {
            version: 7,
            ..LiveSet::empty("test")
        };
        cache.store(&set).unwrap();
        assert_eq!(cache.load("TEST").unwrap(), Some(set));
        let id = cache.node_id().unwrap();
        assert_eq!(cache.node_id().unwrap(), id);
    }

    #[test]
    fn truncated_altered_foreign_and_newer_files_are_refused() {
        let (_d, cache) = cache();
        cache.store(&LiveSet::empty("test")).unwrap();
        let good = fs::read(cache.path()).unwrap();
        fs::write(cache.path(), &good[..good.len() - 3]).unwrap();
        assert!(matches!(cache.load("test"), Err(CacheError::Corrupt(_))));
        let mut altered = good.clone();
        let last = altered.len() - 2;
        altered[last] ^= 1;
        fs::write(cache.path(), &altered).unwrap();
        assert!(matches!(cache.load("test"), Err(CacheError::Corrupt(_))));
        fs::write(
            cache.path(),
            (0..64).map(|_| rand::random::<u8>()).collect::<Vec<u8>>(),
        )
        .unwrap();
        assert!(matches!(cache.load("test"), Err(CacheError::Corrupt(_))));
        let newer = String::from_utf8(good.clone()).unwrap().replacen(" 1 ", " 2 ", 1);
        fs::write(cache.path(), newer).unwrap();
        assert_eq!(cache.load("test"), Err(CacheError::NewerFormat(2)));
        fs::write(cache.path(), &good).unwrap();
        assert!(matches!(
            cache.load("production"),
            Err(CacheError::OtherEnvironment(_))
        ));
    }
}
