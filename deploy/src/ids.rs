use rand::RngCore;

/// A stable opaque id: 128 random bits as 32 lower-case hex digits.
pub(crate) fn public_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The id of a configuration's content: the same configuration always gets the same id, so two deploys of
/// one configuration share a version. The first 128 bits of its SHA-256, as 32 lower-case hex digits.
pub(crate) fn version_id(content: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(content.as_bytes())[..16])
}
