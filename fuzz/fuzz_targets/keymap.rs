//! The user's keymap file (`keymap.toml` in the config folder): any bytes must give a keymap
//! or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = liaison::tui::keymap::Keymap::parse(text);
    }
});
