//! The benchmark's pictures: throughput and p99 latency against the number
//! of connections, the server beside its ceiling, SQLite beside PostgreSQL.
//!
//! Each run saves its figures as `results-<store>.json` in the chart
//! directory (`--charts`, default `target/bench`), replacing that store's
//! earlier ones, and then draws `throughput.svg` and `p99.svg` from every
//! store's saved figures there: a run with `--db sqlite` and one with
//! `--db postgres` give charts with both. Each line is the mean over the
//! APIs measured.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;
use serde_json::{Value, json};

/// One case's figures, as saved.
pub struct Point {
    pub api: &'static str,
    pub connections: usize,
    /// (req/s, p99 ms) of the server, of the ceiling, of the ceiling behind
    /// a front.
    pub server: (f64, f64),
    pub ceiling: (f64, f64),
    pub fronted: (f64, f64),
}

/// Saves `points` as `store`'s figures and redraws the charts in `dir`;
/// returns the charts' paths.
pub fn save_and_draw(dir: &Path, store: &str, points: &[Point]) -> Result<Vec<String>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let saved: Vec<Value> = points
        .iter()
        .map(|p| {
            json!({
                "api": p.api,
                "connections": p.connections,
                "server": [p.server.0, p.server.1],
                "ceiling": [p.ceiling.0, p.ceiling.1],
                "fronted": [p.fronted.0, p.fronted.1],
            })
        })
        .collect();
    let path = dir.join(format!("results-{store}.json"));
    let text = serde_json::to_string_pretty(&saved).map_err(|e| e.to_string())?;
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;

    // Every store's figures: series name -> connections -> (sum, count) of
    // (req/s, p99).
    let mut series: BTreeMap<String, BTreeMap<usize, ([f64; 2], usize)>> = BTreeMap::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(store) = name
            .strip_prefix("results-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).map_err(|e| e.to_string())?;
        let rows: Vec<Value> = serde_json::from_str(&text).map_err(|e| format!("{name}: {e}"))?;
        for row in rows {
            let Some(connections) = row["connections"].as_u64() else {
                continue;
            };
            let connections = usize::try_from(connections).map_err(|e| e.to_string())?;
            for (key, label) in [
                ("server", format!("{store}: server")),
                ("ceiling", "ceiling (no auth, no storage)".to_string()),
                ("fronted", "ceiling behind the front".to_string()),
            ] {
                let (Some(rps), Some(p99)) = (row[key][0].as_f64(), row[key][1].as_f64()) else {
                    continue;
                };
                if rps == 0.0 {
                    // Not measured (`--only`).
                    continue;
                }
                let cell = series
                    .entry(label)
                    .or_default()
                    .entry(connections)
                    .or_insert(([0.0, 0.0], 0));
                cell.0[0] += rps;
                cell.0[1] += p99;
                cell.1 += 1;
            }
        }
    }
    let mean = |index: usize| -> Vec<(String, Vec<(usize, f64)>)> {
        series
            .iter()
            .map(|(label, points)| {
                let line = points
                    .iter()
                    .map(|(&c, &(sum, n))| (c, sum[index] / n as f64))
                    .collect();
                (label.clone(), line)
            })
            .collect()
    };
    let throughput = dir.join("throughput.svg");
    let p99 = dir.join("p99.svg");
    draw(
        &throughput,
        "Update throughput (mean over the APIs)",
        "requests per second",
        &mean(0),
    )?;
    draw(
        &p99,
        "Update latency, 99th percentile (mean over the APIs)",
        "p99 latency, ms",
        &mean(1),
    )?;
    Ok(vec![
        throughput.display().to_string(),
        p99.display().to_string(),
    ])
}

/// One chart: a line per series, connections on a log scale.
fn draw(
    path: &Path,
    title: &str,
    y_label: &str,
    lines: &[(String, Vec<(usize, f64)>)],
) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let x_max = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&(c, _)| c))
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let y_max = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&(_, y)| y))
        .fold(0.0_f64, f64::max)
        * 1.1;
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((1.0..x_max).log_scale(), 0.0..y_max.max(1.0))
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .x_desc("connections")
        .y_desc(y_label)
        .draw()
        .map_err(|e| failed(&e))?;
    for (index, (label, points)) in lines.iter().enumerate() {
        let color = Palette99::pick(index).to_rgba();
        let points: Vec<(f64, f64)> = points.iter().map(|&(c, y)| (c as f64, y)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| failed(&e))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(
                points
                    .into_iter()
                    .map(|p| Circle::new(p, 3, color.filled())),
            )
            .map_err(|e| failed(&e))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))
}
