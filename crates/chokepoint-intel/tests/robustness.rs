//! The fuzz targets' properties, run on random mutations of valid input in the normal test
//! suite (the cargo-fuzz targets under fuzz/ explore further): the STIX parser and the pattern
//! parser return Ok or Err on anything, and what the parser accepts re-validates.

use rand::{Rng, SeedableRng};

const SEED: &str = include_str!("../fuzz/corpus/stix_parser/seed1.json");

fn mutate(rng: &mut rand_chacha::ChaCha8Rng, s: &[u8]) -> Vec<u8> {
    let mut v = s.to_vec();
    for _ in 0..rng.random_range(1..6) {
        if v.is_empty() {
            break;
        }
        let i = rng.random_range(0..v.len());
        match rng.random_range(0..4) {
            0 => v[i] = rng.random(),
            1 => {
                v.remove(i);
            }
            2 => {
                const BYTES: &[u8] = b"{}[]\":,'\\-0aZT";
                v.insert(i, BYTES[rng.random_range(0..BYTES.len())]);
            }
            _ => {
                let j = rng.random_range(i..v.len());
                let chunk = v[i..j].to_vec();
                v.splice(i..i, chunk);
            }
        }
    }
    v
}

#[test]
fn parsers_never_panic_on_mutated_input() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let m = mutate(&mut rng, SEED.as_bytes());
        let Ok(text) = std::str::from_utf8(&m) else {
            continue;
        };
        if let Ok(objs) = chokepoint_intel::stix::parse_bundle(text) {
            accepted += 1;
            for o in objs {
                chokepoint_intel::stix::validate_object(&o.to_value(), "o").unwrap();
            }
        }
        let _ = chokepoint_intel::pattern::parse(text);
    }
    assert!(accepted > 0, "some mutations stay valid");
    for p in [
        "[",
        "(((",
        "[a:b = '\\",
        "[a:b IN (",
        "[a:b[",
        "[a:b.'",
        "[a:b = t'",
        "[a:b = h'0'",
        "[a:b = 1e5]",
    ] {
        assert!(chokepoint_intel::pattern::parse(p).is_err(), "{p}");
    }
}
