//! Office card files, as `liaison office trust FILE` reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    liaison::exchange::card::fuzz_parse(data);
});
