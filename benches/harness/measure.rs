//! Timing and memory measurement helpers.

use std::time::{Duration, Instant};

/// Summary of repeated timings.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Timing {
    pub runs: usize,
    pub median_ms: f64,
    pub p99_ms: f64,
}

/// Runs `f` `runs` times (after one warm-up) and summarises.
pub fn repeat(runs: usize, mut f: impl FnMut(usize)) -> Timing {
    f(0);
    let mut samples: Vec<Duration> = (0..runs)
        .map(|i| {
            let t = Instant::now();
            f(i + 1);
            t.elapsed()
        })
        .collect();
    summarise(&mut samples)
}

pub fn summarise(samples: &mut [Duration]) -> Timing {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    Timing { runs: samples.len(), median_ms: ms(at(0.5)), p99_ms: ms(at(0.99)) }
}

/// Resets the process's peak resident set size (Linux), so a phase can be measured alone.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size since the last reset, in MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Wall time of one run of `f`, in seconds, with its result.
pub fn once<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

/// Total size of the files in a folder, in bytes.
pub fn folder_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |rd| rd.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum())
}
