//! The bundle reader on arbitrary plaintext (the tar inside the age layer): tar profile,
//! version, manifest, zstd commit lines, blobs. Must never panic or exceed its limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    liaison::exchange::reader::fuzz_plaintext(data);
});
