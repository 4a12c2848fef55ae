//! The workbench's import screen asks for source, grade and marking, prefilled as the
//! command line defaults them (the file's name; the selected case's marking), passes them to
//! the import, and its preview says which marking the values will take and from where.
//! Driven by keys on a real store made by the binary, checked with `entity show`.

use crate::common;

use liaison::tui::screens::{ImportField, ImportStep};
use liaison::tui::state::Popup;
use liaison::tui::testing::{self, keys, screen, terminal, type_text};

use common::Liaison;

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/interop/markings/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn open_app(l: &Liaison) -> liaison::tui::App {
    let secret = age::secrecy::SecretString::from("correct horse battery".to_owned());
    testing::app(liaison::store::Store::open(&l.store, &secret).unwrap())
}

fn form(app: &liaison::tui::App) -> &liaison::tui::screens::ImportScreen {
    let Some(Popup::Import(form)) = &app.state.popup else {
        panic!("the import screen: {:?}", app.state.popup)
    };
    form
}

/// Tabs from the current field to `field`.
fn focus(app: &mut liaison::tui::App, field: ImportField) {
    for _ in 0..ImportField::ALL.len() {
        if form(app).focus == field {
            return;
        }
        keys(app, &["tab"]);
    }
    panic!("no field {field:?}");
}

/// (value, marking, grade, source) of the `prop` statements of the entity called `name`.
fn statements(l: &Liaison, name: &str, prop: &str) -> Vec<(String, String, String, String)> {
    let hits = l.json(&["search", name]);
    let id = hits[0]["id"].as_str().unwrap_or_else(|| panic!("{name}: {hits}")).to_owned();
    let view = l.json(&["entity", "show", &id]);
    view["statements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["prop"] == prop)
        .map(|s| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            (text(&s["value"]), text(&s["marking"]), text(&s["grade"]), s["source"].to_string())
        })
        .collect()
}

#[test]
fn the_import_form_prefills_source_and_marking_and_the_preview_names_the_marking_values_take() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-7", "--title", "Harbour", "--marking", "TLP:RED"]);
    let mut app = open_app(&l);
    keys(&mut app, &["i"]);
    assert_eq!((form(&app).case.as_str(), form(&app).marking.as_str()), ("OP-7", "TLP:RED"), "prefilled");
    type_text(&mut app, &fixture("unmarked.ftm.json"));
    assert_eq!(form(&app).source, "unmarked.ftm.json", "the source follows the file's name");
    focus(&mut app, ImportField::Format);
    type_text(&mut app, "f");
    focus(&mut app, ImportField::Source);
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "Desk officer Ivanov");
    focus(&mut app, ImportField::Grade);
    type_text(&mut app, "B2");
    let mut term = terminal(120, 40);
    let shot = screen(&mut app, &mut term);
    assert!(shot.contains("Marking") && shot.contains("TLP:RED"), "{shot}");
    keys(&mut app, &["enter"]);
    let ImportStep::Preview(file, report) = &form(&app).step else {
        panic!("a preview: {:?}", form(&app).step)
    };
    assert_eq!(
        (file.source.as_deref(), file.grade.as_deref(), file.marking.as_deref()),
        (Some("Desk officer Ivanov"), Some("B2"), None),
        "the prefilled marking is the library's own fallback"
    );
    let tally: Vec<(&str, &str)> =
        report.markings.iter().map(|t| (t.marking.as_str(), t.from.as_str())).collect();
    assert_eq!(tally, [("TLP:RED", "from case OP-7")], "{report:?}");
    let shot = screen(&mut app, &mut term);
    assert!(shot.contains("Markings the values will take") && shot.contains("from case OP-7"), "{shot}");
    keys(&mut app, &["y"]);
    assert!(matches!(&form(&app).step, ImportStep::Done(Ok(r)) if r.changed), "{:?}", form(&app).step);
    keys(&mut app, &["enter"]);
    let name = statements(&l, "Nora Nomark", "name");
    assert_eq!(name.len(), 1, "{name:?}");
    let (value, marking, grade, source) = &name[0];
    assert_eq!((value.as_str(), marking.as_str(), grade.as_str()), ("Nora Nomark", "TLP:RED", "B2"));
    assert!(source.contains("Desk officer Ivanov"), "{source}");
}

#[test]
fn a_marking_typed_in_the_form_narrows_and_a_bad_one_is_refused_in_the_form() {
    let l = Liaison::init();
    l.ok(&["case", "new", "--ref", "OP-8", "--title", "Border", "--marking", "TLP:AMBER"]);
    let mut app = open_app(&l);
    keys(&mut app, &["i"]);
    type_text(&mut app, &fixture("red.stix.json"));
    focus(&mut app, ImportField::Marking);
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "TLP:PURPLE");
    keys(&mut app, &["enter"]);
    let err = form(&app).error.clone().unwrap_or_default();
    assert!(err.contains("Marking") && err.contains("PURPLE"), "{err}");
    assert!(matches!(form(&app).step, ImportStep::Form), "nothing runs");
    keys(&mut app, &["ctrl-u"]);
    type_text(&mut app, "FR-DR");
    keys(&mut app, &["enter"]);
    let ImportStep::Preview(file, _) = &form(&app).step else { panic!("a preview: {:?}", form(&app).step) };
    assert_eq!(file.marking.as_deref(), Some("FR-DR"));
    keys(&mut app, &["y", "enter"]);
    let name = statements(&l, "Roman Redmark", "name");
    assert_eq!(name.iter().map(|s| s.1.as_str()).collect::<Vec<_>>(), ["TLP:RED FR-DR"], "{name:?}");
}
