//! Deconfliction requests and replies, as `liaison import` reads them from a bundle's blobs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    liaison::exchange::deconflict::fuzz_blob(data);
});
