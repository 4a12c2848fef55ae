//! Bundle turnaround in the measures: Paris writes a bundle, Rotterdam imports it and
//! acknowledges it in its own; both offices' `measures --json` then show the legs they can
//! see — written → imported at Rotterdam, written → acknowledged at Paris — median and 90th
//! percentile, per office and overall, month by month, next to the 12-hour target.

use crate::exchange_support::{office, path, trust_all};

#[test]
fn both_offices_measure_the_bundle_turnaround_per_office_and_month_with_its_p90() {
    let a = office("Paris", "DGSI", "FR");
    let b = office("Rotterdam", "Politie", "NL");
    trust_all(&[&a, &b]);
    a.ok(&["case", "new", "--ref", "CALANQUE", "--title", "Banana reefers"]);
    a.ok(&["entity", "new", "--schema", "Person", "--prop", "name=Karim", "--case", "CALANQUE"]);
    a.ok(&["case", "share", "CALANQUE", "--with", "Rotterdam"]);
    let ab = path(&a, "ab.bundle");
    a.ok(&["export", "--to", "Rotterdam", "-o", ab.to_str().unwrap()]);
    b.ok(&["import", ab.to_str().unwrap()]);
    let ba = path(&b, "ba.bundle");
    b.ok(&["export", "--to", "Paris", "-o", ba.to_str().unwrap()]);
    a.ok(&["import", ba.to_str().unwrap()]);

    let ma = a.json(&["measures"]);
    let bundles = &ma["bundles"];
    assert_eq!(bundles["target_seconds"], 12 * 3600);
    assert_eq!(bundles["overall"]["acknowledged"]["count"], 1, "{bundles}");
    assert!(bundles["overall"]["acknowledged"]["p90_seconds"].as_i64().unwrap() < 12 * 3600);
    assert_eq!(bundles["by_office"]["Rotterdam"]["acknowledged"]["count"], 1);
    assert_eq!(
        bundles["by_office"]["Rotterdam"]["imported"]["count"], 1,
        "Rotterdam's bundle, imported here"
    );
    let this_month = bundles["monthly"].as_array().unwrap().last().unwrap();
    assert_eq!(this_month["by_office"]["Rotterdam"]["acknowledged"]["count"], 1, "{this_month}");
    let month = ma["monthly"].as_array().unwrap().last().unwrap();
    assert!(month["response_p90_seconds"].is_i64(), "{month}");

    let mb = b.json(&["measures"]);
    assert_eq!(mb["bundles"]["by_office"]["Paris"]["imported"]["count"], 1);
    assert!(mb["bundles"]["by_office"]["Paris"]["imported"]["median_seconds"].is_i64());
    let text = a.ok(&["measures"]);
    assert!(
        text.contains("bundle turnaround: acknowledged median") && text.contains("with Rotterdam"),
        "{text}"
    );
}
