//! Throughput of `attest check` (parse + check, no disk I/O) on generated
//! encyclopedias of 100 and 1,000 entries. Run with `cargo bench`; prints
//! entries per second. Targets live here, not in timed tests.

use std::time::Instant;

fn main() {
    for (n, works) in [(100, 200), (1000, 2000)] {
        let files = attest::sample::synthetic_project(n, works);
        let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
        let mut times = Vec::new();
        for _ in 0..5 {
            let loaded =
                attest::source::load::load_files(files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))).unwrap();
            let t = Instant::now();
            let a = attest::analyze(loaded, &|| {});
            times.push(t.elapsed());
            assert_eq!(
                a.counts().0,
                0,
                "the generated corpus must check clean: {:?}",
                a.diagnostics.iter().take(3).collect::<Vec<_>>()
            );
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "check {n:>5} entries ({:.1} MB, {works} works): median {:>8.1} ms, {:>8.0} entries/s",
            bytes as f64 / 1e6,
            median.as_secs_f64() * 1e3,
            n as f64 / median.as_secs_f64()
        );
    }
}
