//! An export with nothing new for the office costs what is new, not what the store holds
//! (issue 12): once the office has acknowledged everything, the next export reads no
//! record of the shared cases' scope, and an edit after it still travels.

use crate::exchange_support;

use exchange_support::{export_to, office, open, path, trust_all};
use liaison::store::outbox::case_scope_reads;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn an_export_with_nothing_new_reads_no_scope_and_an_edit_after_it_travels() {
    let paris = office("Paris", "Police Judiciaire", "FR");
    let marseille = office("Marseille", "Police Judiciaire", "FR");
    trust_all(&[&paris, &marseille]);
    paris.ok(&["generate", "--entities", "200", "--case-prefix", "PAR"]);
    paris.ok(&["case", "share", "PAR-00001", "--with", "Marseille"]);
    let first = path(&paris, "first");
    paris.ok(&["export", "--to", "Marseille", "-o", s(&first)]);
    marseille.ok(&["import", s(&first)]);
    // Marseille's bundle back acknowledges everything Paris sent.
    let back = path(&marseille, "back");
    marseille.ok(&["export", "--to", "Paris", "-o", s(&back)]);
    paris.ok(&["import", s(&back)]);

    let quiet = path(&paris, "quiet");
    let mut store = open(&paris.store);
    let before = case_scope_reads();
    let report = export_to(&mut store, &["Marseille"], &quiet);
    assert_eq!((report.ops, report.commits, report.records), (0, 0, 0), "{report:?}");
    assert_eq!(case_scope_reads(), before, "an export with nothing new read the shared cases' scope");
    drop(store);
    let imported = marseille.json(&["import", s(&quiet)]);
    assert_eq!(imported["status"], "imported", "{imported}");

    // Something new: the scope is read and the edit arrives.
    paris.ok(&["case", "status", "PAR-00001", "active"]);
    let edit = path(&paris, "edit");
    let mut store = open(&paris.store);
    let before = case_scope_reads();
    let report = export_to(&mut store, &["Marseille"], &edit);
    assert!(report.ops > 0, "{report:?}");
    assert!(case_scope_reads() > before, "the new edit was sent without deciding on its scope");
    drop(store);
    marseille.ok(&["import", s(&edit)]);
    let case = marseille.json(&["case", "show", "PAR-00001"]);
    assert_eq!(case["status"], "active", "{case}");
}
