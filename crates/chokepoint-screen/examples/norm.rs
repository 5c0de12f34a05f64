//! Prints the normalised tokens of each argument (debugging aid).
fn main() {
    let n = chokepoint_screen::normalize::Normalizer::new();
    for a in std::env::args().skip(1) {
        let r = n.normalize(&a);
        println!(
            "{a} -> {:?}",
            r.tokens
                .iter()
                .map(|t| (&t.text, &t.skeleton))
                .collect::<Vec<_>>()
        );
    }
}
