//! Any text into the STIX pattern parser: Ok or Err, never a panic or a stack overflow.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = chokepoint_intel::pattern::parse(text);
    }
});
