//! Fuzzes the spec parser: any text, as a spec file next to the bundled fixtures, must give a
//! plan or a rendered error, never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/fuzz.yaml"));
        if let Err(e) = swgate::spec::parse_spec(path, text) {
            let _ = e.render();
        }
    }
});
