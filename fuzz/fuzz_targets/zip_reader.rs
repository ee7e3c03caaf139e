//! The ZIP reader under the default limits, then the JSON it yields: never a panic, never more than the
//! entry limit read.
#![no_main]
use deploy::archive::{read_export_json, ArchiveLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = ArchiveLimits {
        max_entry_bytes: 1 << 20,
        ..ArchiveLimits::default()
    };
    match read_export_json(data, &limits) {
        Ok(json) => {
            assert!(json.len() <= limits.max_entry_bytes);
            let _ = deploy::export_format::ExportFile::parse(&json);
        }
        Err(e) => assert!(matches!(e, deploy::Error::Invalid(_)), "{e:?}"),
    }
});
