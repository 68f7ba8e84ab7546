//! Every input kept in `fuzz/corpus/<target>/` (the seeds, and what `make soak` found worth keeping),
//! replayed once through its property on stable: what the fuzzer once reached stays covered.

use std::path::Path;

#[test]
fn every_kept_input_still_keeps_its_property() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, property) in edgedesk_fuzz::TARGETS {
        let mut inputs: Vec<_> = std::fs::read_dir(corpus.join(target))
            .unwrap_or_else(|error| panic!("fuzz/corpus/{target}: {error}"))
            .map(|entry| entry.expect("a readable entry").path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "fuzz/corpus/{target} is empty");
        for input in &inputs {
            let data = std::fs::read(input).expect("a readable input");
            let outcome = std::panic::catch_unwind(|| property(&data));
            assert!(outcome.is_ok(), "{target}: {} broke the property", input.display());
        }
        println!("fuzz corpus: {target}: {} inputs replayed, no failure", inputs.len());
    }
}
