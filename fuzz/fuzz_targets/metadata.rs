//! The import metadata field: any text gives metadata or an `Invalid` error; what parses also applies.
#![no_main]
use deploy::export_format::ImportMetadata;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match ImportMetadata::parse(Some(text)) {
        Ok(metadata) => {
            let _ = metadata.targets();
            let _ = metadata.apply(deploy::model::ProxySpec::default());
        }
        Err(e) => assert!(matches!(e, deploy::Error::Invalid(_)), "{e:?}"),
    }
});
