//! Any bytes into the STIX bundle parser and validator: it must return Ok or Err, never panic,
//! and what it accepts must serialise and re-validate.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(objects) = chokepoint_intel::stix::parse_bundle(text) {
        for (i, o) in objects.iter().enumerate() {
            let v = o.to_value();
            chokepoint_intel::stix::validate_object(&v, &format!("objects[{i}]"))
                .expect("an accepted object re-validates after serialisation");
        }
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = chokepoint_intel::stix::validate_object(&v, "object");
    }
});
