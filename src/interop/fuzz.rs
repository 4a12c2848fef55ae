//! Entry points of the interop fuzz targets (`fuzz/fuzz_targets/interop_*.rs`), shared with
//! the corpus replay test so that an input once found stays covered by `cargo test`. Each
//! reads outside bytes into a [`VecSink`] and must return, never panic.

use std::sync::OnceLock;

use super::input::BytesInput;
use super::mapping::Mapping;
use super::record::VecSink;

/// The interop fuzz targets, by name.
pub const TARGETS: &[&str] =
    &["interop_stix", "interop_misp", "interop_ftm", "interop_csv", "interop_mapping"];

/// Feeds `data` to the parser of `target`. Errors are fine; panics are the bugs sought.
pub fn run(target: &str, data: &[u8]) {
    let mut sink = VecSink::default();
    let input = BytesInput(data);
    let _ = match target {
        "interop_stix" => super::stix::read(&input, &mut sink),
        "interop_misp" => super::misp::read(&input, &mut sink),
        "interop_ftm" => super::ftm::read(&input, &mut sink),
        "interop_csv" => {
            static MAPPING: OnceLock<Mapping> = OnceLock::new();
            let mapping = MAPPING.get_or_init(|| {
                Mapping::parse(include_str!("../../assets/mappings/call-records.toml"))
                    .expect("the shipped mapping is valid")
            });
            super::csv::read(&input, mapping, &mut sink)
        }
        "interop_mapping" => {
            std::str::from_utf8(data).map_or(Ok(()), |text| Mapping::parse(text).map(|_| ()))
        }
        other => panic!("no interop fuzz target {other}"),
    };
}
