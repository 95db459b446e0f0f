//! `cargo xtask bench proxy` runs and prints its figures (the figures
//! themselves are read from the command, never asserted on).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_bench_prints_direct_and_proxied_round_trips_and_the_difference() {
    let root = xtask::workspace_root().unwrap_or_else(|e| panic!("{e}"));
    let checker =
        xtask::exchange_check::Checker::load(&root, "zitadel").unwrap_or_else(|e| panic!("{e}"));
    let report = xtask::proxy_bench::run(checker, 20)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    print!("{report}");
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].starts_with("proxy latency ("), "{report}");
    assert!(
        lines[1]
            .split_whitespace()
            .eq(["µs", "median", "p90", "p99"]),
        "{report}"
    );
    for (line, name) in lines[2..4].iter().zip(["direct", "proxied"]) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[0], name, "{report}");
        assert!(
            fields[1..].iter().all(|f| f.parse::<f64>().is_ok()),
            "{report}"
        );
    }
    assert!(
        lines[4].starts_with("added per exchange (median): "),
        "{report}"
    );
}
