//! Fuzzes the interop mapping reader (see `liaison::interop::fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| liaison::interop::fuzz::run("interop_mapping", data));
