//! Deconfliction speed: `cargo bench --bench psi -- [--selectors N] [--python PATH]`.
//!
//! Each side's computation for N selectors per side (default 100,000; 1,000 of them in
//! common), the size of the reply as a bundle carries it, and in the same run the reference
//! PSI library of the Python registry (OpenMined's `openmined.psi`, ECDH over P-256, exact
//! "raw" intersection) on the same sets, when `--python` names an interpreter that has it.
//! Results in benches/README.md.

use std::process::Command;
use std::time::Instant;

use liaison::exchange::psi::{self, Selector, SelectorKind};

const REFERENCE: &str = r#"
import sys, time
import private_set_intersection.python as psi
n, common = int(sys.argv[1]), int(sys.argv[2])
ours = ["+3361%07d" % i for i in range(n)]
theirs = ["+3361%07d" % i for i in range(n - common, 2 * n - common)]
t = time.perf_counter()
client = psi.client.CreateWithNewKey(True)
request = client.CreateRequest(ours)
t_request = time.perf_counter() - t
t = time.perf_counter()
server = psi.server.CreateWithNewKey(True)
setup = server.CreateSetupMessage(0.0, len(ours), theirs, psi.DataStructure.RAW)
response = server.ProcessRequest(request)
t_reply = time.perf_counter() - t
t = time.perf_counter()
hits = client.GetIntersection(setup, response)
t_hits = time.perf_counter() - t
size = len(setup.SerializeToString()) + len(response.SerializeToString())
print(f"{t_request:.2f} {t_reply:.2f} {t_hits:.2f} {size} {len(hits)} {psi.__version__}")
"#;

fn phone(n: usize) -> Selector {
    Selector { kind: SelectorKind::Phone, value: format!("+3361{n:07}") }
}

fn main() {
    let mut n = 100_000usize;
    let mut python: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--selectors" => n = args.next().and_then(|v| v.parse().ok()).unwrap_or(n),
            "--python" => python = args.next(),
            "--bench" => {}
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    let common = (n / 100).max(1);
    let ours: Vec<Selector> = (0..n).map(phone).collect();
    let theirs: Vec<Selector> = (n - common..2 * n - common).map(phone).collect();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    let t = Instant::now();
    let (request, pending) = psi::request(*b"bench-run-000001", &ours).unwrap();
    let t_request = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let reply = psi::reply(&request, &theirs).unwrap();
    let t_reply = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let hits = psi::intersect(&pending, &reply).unwrap();
    let t_hits = t.elapsed().as_secs_f64();
    assert_eq!(hits.len(), common);
    let request_bytes = postcard::to_stdvec(&request).unwrap().len();
    let reply_bytes = postcard::to_stdvec(&reply).unwrap().len();

    println!(
        "| implementation | selectors per side | asker: request | answerer: reply | asker: hits | asker total | answer size |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!(
        "| Liaison (ristretto255, {cores} cores) | {n} | {t_request:.2} s | {t_reply:.2} s | {t_hits:.2} s | {:.2} s | {:.1} MB (request {:.1} MB) |",
        t_request + t_hits,
        reply_bytes as f64 / 1e6,
        request_bytes as f64 / 1e6
    );
    if let Some(python) = python {
        let out = Command::new(&python)
            .arg("-c")
            .arg(REFERENCE)
            .arg(n.to_string())
            .arg(common.to_string())
            .output()
            .expect("python runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<&str> = text.split_whitespace().collect();
        if !out.status.success() || f.len() < 6 {
            eprintln!("the reference failed: {}", String::from_utf8_lossy(&out.stderr));
            return;
        }
        let (req, rep, hit): (f64, f64, f64) =
            (f[0].parse().unwrap(), f[1].parse().unwrap(), f[2].parse().unwrap());
        println!(
            "| openmined.psi {} (P-256, raw, 1 core) | {n} | {req:.2} s | {rep:.2} s | {hit:.2} s | {:.2} s | {:.1} MB |",
            f[5],
            req + hit,
            f[3].parse::<f64>().unwrap() / 1e6
        );
        assert_eq!(f[4].parse::<usize>().unwrap(), common, "the reference finds the same hits");
    }
}
