//! Tab completion of a typed path, as a shell does it: the name being typed is completed
//! against the entries of its folder as far as they agree; one match is completed whole (a
//! folder with its `/`, so the next Tab goes inside); several are listed.
//!
//! [`complete`] is pure: it takes the folder's entries, read elsewhere (the worker, with
//! [`list_folder`], bounded to [`MAX_ENTRIES`]) so that a screen's update never touches the
//! disk. Nothing here imports the rest of the workbench.

use std::path::Path;

/// Most entries of a folder read for one completion: a folder of a million files must not
/// stall the workbench, and no analyst picks from more than this by Tab.
pub const MAX_ENTRIES: usize = 500;

/// Candidates named under the input when several match.
pub const SHOWN_CANDIDATES: usize = 8;

/// What Tab did to a typed path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// The path after completion (the typed one when nothing could be added).
    pub text: String,
    /// The names that matched (folders end with `/`), sorted; empty when none did.
    pub candidates: Vec<String>,
}

impl Completion {
    /// A single entry matched: the path names it whole.
    pub fn unique(&self) -> bool {
        self.candidates.len() == 1
    }
}

/// The folder part of `typed` (up to and with its last `/`) and the name being typed.
pub fn split(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    }
}

/// The folder to list for `typed`: its folder part, or the current folder.
pub fn folder_of(typed: &str) -> &str {
    match split(typed).0 {
        "" => ".",
        dir => dir,
    }
}

/// Completes `typed` against `entries`, the names in its folder (folders ending with `/`).
/// Hidden entries match only a name typed with its leading dot.
pub fn complete(typed: &str, entries: &[String]) -> Completion {
    let (dir, name) = split(typed);
    let mut candidates: Vec<String> = entries
        .iter()
        .filter(|e| e.starts_with(name) && (name.starts_with('.') || !e.starts_with('.')))
        .cloned()
        .collect();
    candidates.sort();
    let Some(first) = candidates.first() else {
        return Completion { text: typed.to_owned(), candidates };
    };
    let shared = if candidates.len() == 1 { first.as_str() } else { prefix(&candidates) };
    let text = if shared.len() > name.len() { format!("{dir}{shared}") } else { typed.to_owned() };
    Completion { text, candidates }
}

/// The longest start shared by every name, on a character boundary.
fn prefix(names: &[String]) -> &str {
    let Some(first) = names.first() else { return "" };
    let mut end = first.len();
    for n in &names[1..] {
        let same = first
            .char_indices()
            .zip(n.chars())
            .find(|((_, a), b)| a != b)
            .map_or_else(|| first.len().min(n.len()), |((i, _), _)| i);
        end = end.min(same);
    }
    &first[..end]
}

/// What a Tab did, once the folder's entries arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabResult {
    /// The path grew to this text.
    Completed(String),
    /// Several names match and nothing more can be added: they are listed under the input.
    Listed,
    /// Nothing to add: the path is whole, nothing matches, or the names were listed by the
    /// Tab before (a screen with more fields moves on).
    Nothing { matches: usize },
}

/// A path input's Tab completion in a screen's state: the listing asked for, and the names
/// shown under the input.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PathTab {
    /// The ticket of the folder listing in flight, and the text it was asked for.
    pub asked: Option<(u64, String)>,
    /// The names matching the text, shown after a Tab that could not decide between them.
    pub shown: Vec<String>,
    /// The text they were shown for.
    pub shown_for: String,
    /// The folder had more entries than were read.
    pub more: bool,
}

impl PathTab {
    /// Remembers the listing asked for `typed` with `ticket`.
    pub fn ask(&mut self, ticket: u64, typed: &str) {
        self.asked = Some((ticket, typed.to_owned()));
    }

    /// The text changed: what was shown no longer applies, and a listing in flight is stale.
    pub fn clear(&mut self) {
        *self = PathTab::default();
    }

    /// The folder's entries arrived for `ticket`; `typed` is the input's text now. `None`
    /// for a stale answer (another Tab since, or the text changed).
    pub fn answer(&mut self, ticket: u64, typed: &str, names: &[String], more: bool) -> Option<TabResult> {
        match &self.asked {
            Some((t, asked)) if *t == ticket && asked == typed => self.asked = None,
            _ => return None,
        }
        let c = complete(typed, names);
        self.more = more;
        if c.text != typed {
            // One name completed whole lists nothing: the next Tab lists inside a folder.
            self.shown_for = if c.unique() { String::new() } else { c.text.clone() };
            self.shown = if c.unique() { Vec::new() } else { c.candidates };
            return Some(TabResult::Completed(c.text));
        }
        if c.candidates.len() > 1 && self.shown_for != typed {
            self.shown = c.candidates;
            typed.clone_into(&mut self.shown_for);
            return Some(TabResult::Listed);
        }
        let matches = c.candidates.len();
        self.clear();
        Some(TabResult::Nothing { matches })
    }

    /// The line shown under the input: the matching names, as many as fit.
    pub fn hint(&self) -> Option<String> {
        if self.shown.is_empty() {
            return None;
        }
        let names: Vec<&str> = self.shown.iter().take(SHOWN_CANDIDATES).map(String::as_str).collect();
        let left = self.shown.len() - names.len();
        let more = if left > 0 || self.more { " …" } else { "" };
        Some(format!("{} match: {}{more}", self.shown.len(), names.join("  ")))
    }
}

/// The names in `folder`, folders ending with `/`, at most `max` of them, and whether more
/// were left unread.
pub fn list_folder(folder: &Path, max: usize) -> std::io::Result<(Vec<String>, bool)> {
    let mut names = Vec::new();
    let mut more = false;
    for entry in std::fs::read_dir(folder)? {
        if names.len() == max {
            more = true;
            break;
        }
        let Ok(entry) = entry else { continue };
        let mut name = entry.file_name().to_string_lossy().into_owned();
        // Follows links: a link to a folder completes as a folder.
        if entry.path().is_dir() {
            name.push('/');
        }
        names.push(name);
    }
    Ok((names, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> Vec<String> {
        ["calls-march.csv", "calls-april.csv", "event.misp.json", "exports/", ".hidden", "évasion.ftm.json"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    }

    #[test]
    fn one_match_is_completed_whole_and_a_folder_with_its_slash() {
        let c = complete("ev", &entries());
        assert_eq!(c.text, "event.misp.json");
        assert!(c.unique());
        assert_eq!(complete("data/exp", &["exports/".to_owned()]).text, "data/exports/");
        assert_eq!(complete("/tmp/é", &entries()).text, "/tmp/évasion.ftm.json", "non-ASCII names");
    }

    #[test]
    fn several_matches_complete_as_far_as_they_agree_and_are_listed() {
        let c = complete("c", &entries());
        assert_eq!(c.text, "calls-");
        assert_eq!(c.candidates, vec!["calls-april.csv", "calls-march.csv"]);
        let again = complete("calls-", &entries());
        assert_eq!(again.text, "calls-", "nothing more to add");
        assert_eq!(again.candidates.len(), 2);
    }

    #[test]
    fn no_match_leaves_the_path_and_hidden_names_need_their_dot() {
        let c = complete("zzz", &entries());
        assert_eq!((c.text.as_str(), c.candidates.len()), ("zzz", 0));
        assert!(!complete("", &entries()).candidates.contains(&".hidden".to_owned()));
        assert_eq!(complete(".h", &entries()).text, ".hidden");
        let all = complete("", &entries());
        assert_eq!(all.text, "", "nothing shared by every name");
        assert_eq!(all.candidates.len(), 5);
    }

    #[test]
    fn the_folder_listed_is_the_typed_one_or_the_current_one() {
        assert_eq!(split("a/b/c.json"), ("a/b/", "c.json"));
        assert_eq!(split("/"), ("/", ""));
        assert_eq!(folder_of("c.json"), ".");
        assert_eq!(folder_of("/tmp/x"), "/tmp/");
    }

    #[test]
    fn a_tab_completes_then_lists_then_moves_on_and_stale_answers_are_dropped() {
        let mut tab = PathTab::default();
        tab.ask(1, "c");
        assert_eq!(tab.answer(2, "c", &entries(), false), None, "another ticket");
        assert_eq!(tab.answer(1, "ca", &entries(), false), None, "the text changed since");
        tab.ask(3, "c");
        assert_eq!(tab.answer(3, "c", &entries(), false), Some(TabResult::Completed("calls-".into())));
        assert_eq!(tab.hint().as_deref(), Some("2 match: calls-april.csv  calls-march.csv"));
        tab.ask(4, "calls-");
        assert_eq!(tab.answer(4, "calls-", &entries(), false), Some(TabResult::Nothing { matches: 2 }));
        assert_eq!(tab.hint(), None);
        tab.ask(5, "calls-");
        assert_eq!(tab.answer(5, "calls-", &entries(), true), Some(TabResult::Listed));
        assert!(tab.hint().is_some_and(|h| h.ends_with('…')), "more entries than were read");
        tab.ask(7, "exp");
        assert_eq!(tab.answer(7, "exp", &entries(), false), Some(TabResult::Completed("exports/".into())));
        tab.ask(8, "exports/");
        let inside = vec!["a.json".to_owned(), "b.json".to_owned()];
        assert_eq!(tab.answer(8, "exports/", &inside, false), Some(TabResult::Listed), "a Tab inside lists");
        tab.ask(6, "event.misp.json");
        assert_eq!(
            tab.answer(6, "event.misp.json", &entries(), false),
            Some(TabResult::Nothing { matches: 1 })
        );
    }

    #[test]
    fn a_folder_is_read_up_to_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..7 {
            std::fs::write(dir.path().join(format!("f{i}.csv")), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let (names, more) = list_folder(dir.path(), 100).unwrap();
        assert_eq!(names.len(), 8);
        assert!(!more && names.contains(&"sub/".to_owned()));
        let (names, more) = list_folder(dir.path(), 3).unwrap();
        assert_eq!((names.len(), more), (3, true));
        assert!(list_folder(&dir.path().join("missing"), 3).is_err());
    }
}
