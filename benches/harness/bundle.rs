//! Bundle figures: a partner office is set up (trusted both ways, every case shared with
//! it), then the delta is exported and imported, each in its own process so that each
//! peak RSS is its own. The bundle's size is compared with the same ops as plain JSON lines.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use liaison::exchange::{self, ExportRequest};
use liaison::store::offices::DeviceRecord;
use liaison::store::{KEYSTORE, Keys, Office, Store};
use uuid::Uuid;

use super::measure::{once, peak_rss_mib, reset_peak_rss};
use super::report::Figures;

pub const PARTNER: &str = "Partner";

fn own_card(store: &Store) -> DeviceRecord {
    let mut me = store.devices().expect("devices").into_iter().find(|d| d.is_self).expect("own device");
    me.is_self = false;
    me.trusted_at = None;
    me
}

/// Creates the partner's store at `partner_dir`, trusts both ways and shares every case of
/// `store` with the partner (not measured).
pub fn set_up_partner(store: &mut Store, partner_dir: &Path) {
    let _ = std::fs::remove_dir_all(partner_dir);
    let office = Office { name: PARTNER.into(), agency: "Partner agency".into(), country: "NL".into() };
    let mut partner = Store::create(partner_dir, &super::pass(), &office).expect("partner store");
    partner.trust_device(&own_card(store)).expect("partner trusts the bench office");
    store.trust_device(&own_card(&partner)).expect("bench office trusts the partner");
    let cases: Vec<Uuid> = store
        .conn()
        .prepare("SELECT uid FROM object WHERE schema = 'Case' AND deleted = 0")
        .expect("cases")
        .query_map([], |r| r.get::<_, Vec<u8>>(0))
        .expect("cases")
        .filter_map(|b| Uuid::from_slice(&b.ok()?).ok())
        .collect();
    for c in cases {
        store.share_case(c, PARTNER).expect("share");
    }
}

/// Counts bytes without keeping them.
struct Counter(u64);
impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Opens the store at `dir`, then forgets the key derivation's peak: its scrypt buffer is
/// the unlock's memory (reported apart), not the bundle's.
fn open_without_kdf_memory(dir: &Path) -> Store {
    let keys = Keys::unlock(&dir.join(KEYSTORE), &super::pass()).expect("keys");
    reset_peak_rss();
    Store::open_with_keys(dir, keys).expect("open")
}

/// In a child: exports the delta for the partner from the store at `dir` into `file`.
pub fn export(dir: &Path, file: &Path) -> Figures {
    let mut store = open_without_kdf_memory(dir);
    let req =
        ExportRequest { to: vec![PARTNER.into()], output: file.to_path_buf(), ..ExportRequest::default() };
    let (secs, report) =
        once(|| exchange::export(&mut store, &req, &mut |_, _| {}, &AtomicBool::new(false)).expect("export"));
    let mut f = Figures::default();
    f.insert("bundle export: ops/s", report.ops as f64 / secs);
    f.insert("bundle export: seconds", secs);
    f.insert("bundle export: peak RSS (MiB)", peak_rss_mib());
    f.insert("bundle: ops carried", report.ops as f64);
    f.insert("bundle: bytes per op", report.bytes as f64 / report.ops.max(1) as f64);
    // The same history as plain JSON lines, one op per line: what a naive format would carry.
    let mut json = Counter(0);
    let all = store
        .for_each_op(&mut |op| {
            serde_json::to_writer(&mut json, op).expect("op as JSON");
            json.0 += 1;
        })
        .expect("ops");
    f.insert("plain JSON of the ops: bytes per op", json.0 as f64 / all.max(1) as f64);
    f.insert(
        "bundle bytes ÷ plain JSON bytes (per op)",
        (report.bytes as f64 / report.ops.max(1) as f64) / (json.0 as f64 / all.max(1) as f64),
    );
    f
}

/// In a child: imports `file` into the partner's store at `dir`.
pub fn import(dir: &Path, file: &Path) -> Figures {
    let mut store = open_without_kdf_memory(dir);
    let (secs, report) = once(|| {
        exchange::import(&mut store, file, false, &mut |_, _| {}, &AtomicBool::new(false)).expect("import")
    });
    let mut f = Figures::default();
    f.insert("bundle import: ops/s", report.ops as f64 / secs);
    f.insert("bundle import: seconds", secs);
    f.insert("bundle import: peak RSS (MiB)", peak_rss_mib());
    f
}
