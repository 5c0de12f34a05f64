//! The JSON Lines record parser on arbitrary bytes: it must return a record or an error naming
//! the field, never panic; a parsed record must also go through a profile update (masking,
//! sketches, pattern matching) and a merge without panicking.
//!
//! Run: `cd crates/chokepoint-distill/fuzz && cargo +nightly fuzz run jsonl_record`
#![no_main]

use chokepoint_distill::config::ProfileConfig;
use chokepoint_distill::record::parse_json_line;
use chokepoint_distill::Profile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cfg = ProfileConfig::default();
    let mut merged: Option<Profile> = None;
    for line in data.split(|&b| b == b'\n') {
        if let Ok(record) = parse_json_line(line) {
            let mut p = Profile::new(&record.account_id);
            p.add(&record, &cfg);
            match merged.as_mut() {
                Some(m) if m.account_id == p.account_id => m.merge(p, &cfg),
                _ => merged = Some(p),
            }
        }
    }
});
