//! The export JSON parser: any bytes give a parsed export or an `Invalid` error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = deploy::export_format::ExportFile::parse(data) {
        assert!(matches!(e, deploy::Error::Invalid(_)), "{e:?}");
    }
});
