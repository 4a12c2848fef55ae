//! Key bindings as data: `assets/keymap.toml` (embedded) patched by the user's own
//! `keymap.toml` in Liaison's config folder. The help screen and the status-bar hints are
//! generated from the same entries, so a binding is never described twice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;
pub use super::state::Mode;

/// One binding: keys, the action they run, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub on: Vec<Key>,
    pub run: Action,
    pub desc: String,
}

/// A key with its modifiers, as written in the keymap ("ctrl-l", "G", "enter").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBinding {
    on: OneOrMany,
    run: String,
    #[serde(default)]
    desc: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMode {
    #[serde(default)]
    keymap: Vec<RawBinding>,
}

/// All bindings, by mode; earlier bindings win.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    modes: BTreeMap<Mode, Vec<Binding>>,
}

/// Most bytes read from a user keymap file.
const MAX_KEYMAP_BYTES: u64 = 256 * 1024;

impl Keymap {
    /// The embedded defaults.
    pub fn builtin() -> Keymap {
        Keymap::parse(include_str!("../../assets/keymap.toml")).expect("assets/keymap.toml is valid (tested)")
    }

    /// The defaults patched by `keymap.toml` in the user's config folder, if there is one.
    /// A broken user file is reported and ignored: the workbench must still open.
    pub fn load() -> (Keymap, Option<String>) {
        let mut map = Keymap::builtin();
        let Some(path) = user_keymap_path() else { return (map, None) };
        match read_user_file(&path) {
            Ok(None) => (map, None),
            Ok(Some(text)) => match Keymap::parse(&text) {
                Ok(user) => {
                    map.patch(user);
                    (map, None)
                }
                Err(e) => (map, Some(format!("{}: {e} (defaults used)", path.display()))),
            },
            Err(e) => (map, Some(format!("{}: {e} (defaults used)", path.display()))),
        }
    }

    pub fn parse(text: &str) -> Result<Keymap, String> {
        let raw: BTreeMap<Mode, RawMode> = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut modes = BTreeMap::new();
        for (mode, raw_mode) in raw {
            let mut bindings = Vec::new();
            for b in raw_mode.keymap {
                let keys = match b.on {
                    OneOrMany::One(k) => vec![k],
                    OneOrMany::Many(ks) => ks,
                };
                let on = keys.iter().map(|k| parse_key(k)).collect::<Result<Vec<_>, _>>()?;
                let run = Action::from_name(&b.run)
                    .ok_or_else(|| format!("unknown action {:?} (the command palette lists them)", b.run))?;
                let desc = if b.desc.is_empty() { b.run.clone() } else { b.desc };
                bindings.push(Binding { on, run, desc });
            }
            modes.insert(mode, bindings);
        }
        Ok(Keymap { modes })
    }

    /// Puts `user`'s bindings first, so they win for the keys they name.
    pub fn patch(&mut self, user: Keymap) {
        for (mode, mut bindings) in user.modes {
            let entry = self.modes.entry(mode).or_default();
            let defaults = std::mem::take(entry);
            // A default keeps only the keys the user did not take.
            let taken: Vec<Key> = bindings.iter().flat_map(|b| b.on.clone()).collect();
            for mut d in defaults {
                d.on.retain(|k| !taken.contains(k));
                if !d.on.is_empty() {
                    bindings.push(d);
                }
            }
            *entry = bindings;
        }
    }

    /// The action bound to `key` in `mode`.
    pub fn action(&self, mode: Mode, key: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(key);
        self.modes.get(&mode)?.iter().find(|b| b.on.contains(&k)).map(|b| b.run.clone())
    }

    pub fn bindings(&self, mode: Mode) -> &[Binding] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    /// The first key bound to `action` in `mode`, as written.
    pub fn key_for(&self, mode: Mode, action: &Action) -> Option<String> {
        self.bindings(mode).iter().find(|b| &b.run == action).and_then(|b| b.on.first()).map(Key::label)
    }
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        // Shift is carried by the character itself ("G"); BackTab is its own code.
        let code = match e.code {
            KeyCode::Char(c) if e.modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Key {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// The key as the keymap writes it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "backtab".into(),
            KeyCode::Up => "up".into(),
            KeyCode::Down => "down".into(),
            KeyCode::Left => "left".into(),
            KeyCode::Right => "right".into(),
            KeyCode::PageUp => "pageup".into(),
            KeyCode::PageDown => "pagedown".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Delete => "delete".into(),
            KeyCode::Insert => "insert".into(),
            KeyCode::F(n) => format!("f{n}"),
            _ => "?".into(),
        };
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        s + &base
    }
}

/// Parses a key as written in the keymap.
pub fn parse_key(spec: &str) -> Result<Key, String> {
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = spec;
    loop {
        if let Some(r) = rest.strip_prefix("ctrl-").filter(|r| !r.is_empty()) {
            ctrl = true;
            rest = r;
        } else if let Some(r) = rest.strip_prefix("alt-").filter(|r| !r.is_empty()) {
            alt = true;
            rest = r;
        } else {
            break;
        }
    }
    let code = match rest {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "backspace" => KeyCode::Backspace,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "space" => KeyCode::Char(' '),
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
            KeyCode::F(f[1..].parse().unwrap_or(1))
        }
        c if c.chars().count() == 1 => {
            let ch = c.chars().next().unwrap_or(' ');
            KeyCode::Char(if ctrl { ch.to_ascii_lowercase() } else { ch })
        }
        _ => return Err(format!("unknown key {spec:?}")),
    };
    Ok(Key { code, ctrl, alt })
}

/// `keymap.toml` in the config folder (`LIAISON_CONFIG_DIR` overrides it, for tests).
pub fn user_keymap_path() -> Option<PathBuf> {
    config_dir().map(|d| d.join("keymap.toml"))
}

pub fn config_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("LIAISON_CONFIG_DIR") {
        return Some(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "liaison").map(|d| d.config_dir().to_path_buf())
}

fn read_user_file(path: &Path) -> Result<Option<String>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if meta.len() > MAX_KEYMAP_BYTES {
        return Err(format!("larger than {MAX_KEYMAP_BYTES} bytes"));
    }
    std::fs::read_to_string(path).map(Some).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn the_builtin_keymap_parses_and_binds_vim_keys_and_arrows() {
        let k = Keymap::builtin();
        for mode in Mode::ALL {
            assert!(!k.bindings(mode).is_empty(), "{mode:?} has bindings");
        }
        let down = Some(Action::SelectNext);
        assert_eq!(k.action(Mode::Main, &key(KeyCode::Char('j'), KeyModifiers::NONE)), down);
        assert_eq!(k.action(Mode::Main, &key(KeyCode::Down, KeyModifiers::NONE)), down);
        assert_eq!(
            k.action(Mode::Main, &key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::SelectLast)
        );
        assert_eq!(k.action(Mode::Main, &key(KeyCode::Char('l'), KeyModifiers::CONTROL)), Some(Action::Lock));
        assert_eq!(k.action(Mode::Search, &key(KeyCode::Char('j'), KeyModifiers::NONE)), None, "typed");
    }

    #[test]
    fn a_user_file_patches_only_the_keys_it_names() {
        let mut k = Keymap::builtin();
        k.patch(
            Keymap::parse("[main]\nkeymap = [{ on = \"j\", run = \"select_prev\", desc = \"Up!\" }]")
                .unwrap(),
        );
        assert_eq!(
            k.action(Mode::Main, &key(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::SelectPrev)
        );
        assert_eq!(k.action(Mode::Main, &key(KeyCode::Down, KeyModifiers::NONE)), Some(Action::SelectNext));
        assert_eq!(k.action(Mode::Main, &key(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Action::Quit));
    }

    #[test]
    fn bad_user_files_are_refused_with_the_reason() {
        let e = Keymap::parse("[main]\nkeymap = [{ on = \"j\", run = \"fly\" }]").unwrap_err();
        assert!(e.contains("fly"), "{e}");
        let e = Keymap::parse("[main]\nkeymap = [{ on = \"hyper-j\", run = \"quit\" }]").unwrap_err();
        assert!(e.contains("hyper-j"), "{e}");
        assert!(Keymap::parse("[nowhere]\nkeymap = []").is_err());
    }
}
