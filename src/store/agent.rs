//! The unlock agent: one key derivation for many commands (issue 12), in the manner of
//! ssh-agent and gpg-agent.
//!
//! `liaison unlock` derives the store's keys once and hands them, through a pipe, to a
//! background process that holds them in memory locked against swap, in a process that cannot
//! be dumped or traced by other processes. It serves them over a Unix socket to processes of
//! the same user only: the socket lives in a folder only we can enter (0700, owned by us,
//! checked before every use) and each connection's peer credentials are checked as well, so a
//! folder whose mode was loosened still gives nothing away. The keys are served, never the
//! passphrase, and never through argv, the environment, a log or a file. At expiry, or on
//! `liaison lock`, the keys are wiped and the process ends.
//!
//! One agent per store: its socket is named by a hash of the store folder's canonical path, so
//! an agent unlocked for one store is never asked for another's keys (and it also checks the
//! path it is asked for).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

use super::StoreError;
use super::keystore::Keys;

/// The longest an agent may hold the keys: a working day.
pub const MAX_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// The keystore's plaintext is a few hundred bytes; the agent's locked buffer holds it.
const KEY_BUFFER: usize = 4096;
/// How long either side waits for the other before giving up on a connection.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// The folder holding agents' sockets: `$XDG_RUNTIME_DIR/liaison`, else `/tmp/liaison-UID`.
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(base) => PathBuf::from(base).join("liaison"),
        None => std::env::temp_dir().join(format!("liaison-{}", rustix::process::geteuid().as_raw())),
    }
}

/// Checks that `dir` is ours alone: a real folder (not a link), owned by us, mode 0700.
/// Anything else could let another user read a socket's traffic or plant a socket of theirs.
pub fn check_private_dir(dir: &Path) -> Result<(), StoreError> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| StoreError::io(dir, &e))?;
    let me = rustix::process::geteuid().as_raw();
    if !meta.is_dir() {
        return Err(StoreError::Input(format!(
            "{} is not a folder; the unlock agent will not use it",
            dir.display()
        )));
    }
    if meta.uid() != me {
        return Err(StoreError::Input(format!(
            "{} belongs to another user; the unlock agent will not use it",
            dir.display()
        )));
    }
    if meta.mode() & 0o777 != 0o700 {
        return Err(StoreError::Input(format!(
            "{} has mode {:o}, not 0700; the unlock agent will not use a folder others can enter",
            dir.display(),
            meta.mode() & 0o777
        )));
    }
    Ok(())
}

/// Makes the runtime folder (0700) if it is missing, then checks it.
fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    if std::fs::symlink_metadata(dir).is_err() {
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // Not `create_dir_all`: a missing parent (XDG_RUNTIME_DIR) is not ours to make.
        if let Err(e) = builder.create(dir) {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                return Err(StoreError::io(dir, &e));
            }
        }
    }
    check_private_dir(dir)
}

/// The store folder as the agent knows it: its canonical path.
fn canonical(store_dir: &Path) -> Result<PathBuf, StoreError> {
    std::fs::canonicalize(store_dir).map_err(|e| StoreError::io(store_dir, &e))
}

/// The socket of the agent for the store in `store_dir`.
pub fn socket_path(store_dir: &Path) -> Result<PathBuf, StoreError> {
    let store = canonical(store_dir)?;
    let name = blake3::hash(store.as_os_str().as_encoded_bytes()).to_hex();
    Ok(runtime_dir().join(format!("{}.sock", &name[..32])))
}

/// Whether the process at the other end of `stream` runs as our user.
pub fn peer_is_us(stream: &UnixStream) -> bool {
    peer_uid(stream).is_some_and(|uid| uid == rustix::process::geteuid().as_raw())
}

fn peer_uid(stream: &UnixStream) -> Option<u32> {
    rustix::net::sockopt::socket_peercred(stream).ok().map(|c| c.uid.as_raw())
}

// ---- the client side: every command that opens a store ----

/// What an agent answered about a store.
pub struct Status {
    pub seconds_left: u64,
}

/// Connects to the agent of this store, if one is running and may be trusted. None when
/// there is none (the usual case): the caller derives the key itself, as without agents.
fn connect(store_dir: &Path) -> Option<(UnixStream, PathBuf)> {
    let socket = socket_path(store_dir).ok()?;
    let dir = socket.parent()?;
    if std::fs::symlink_metadata(dir).is_err() {
        return None;
    }
    if let Err(e) = check_private_dir(dir) {
        eprintln!("warning: {e}");
        return None;
    }
    let stream = UnixStream::connect(&socket).ok()?;
    // The folder is ours, so this is our agent; checked again in case the folder's mode was
    // loosened and another user's process planted the socket.
    if !peer_is_us(&stream) {
        eprintln!("warning: the unlock agent socket {} is not served by you; not used", socket.display());
        return None;
    }
    stream.set_read_timeout(Some(IO_TIMEOUT)).ok()?;
    stream.set_write_timeout(Some(IO_TIMEOUT)).ok()?;
    Some((stream, canonical(store_dir).ok()?))
}

/// Sends one request and reads the answer's first line.
fn ask(stream: &mut UnixStream, verb: &str, store: &Path) -> Option<(BufReader<UnixStream>, String)> {
    let mut line = format!("{verb} ").into_bytes();
    line.extend_from_slice(store.as_os_str().as_encoded_bytes());
    line.push(b'\n');
    stream.write_all(&line).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut answer = String::new();
    reader.read_line(&mut answer).ok()?;
    Some((reader, answer.trim_end().to_owned()))
}

/// The store's keys from its agent, if one holds them.
pub fn fetch_keys(store_dir: &Path) -> Option<Keys> {
    let (mut stream, store) = connect(store_dir)?;
    let (mut reader, answer) = ask(&mut stream, "KEYS", &store)?;
    let len: usize = answer.strip_prefix("OK ")?.parse().ok().filter(|n| *n <= KEY_BUFFER)?;
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    reader.read_exact(&mut bytes).ok()?;
    Keys::from_agent_bytes(&bytes).ok()
}

/// Whether an agent holds this store's keys, and for how long still.
pub fn status(store_dir: &Path) -> Option<Status> {
    let (mut stream, store) = connect(store_dir)?;
    let (_, answer) = ask(&mut stream, "STATUS", &store)?;
    Some(Status { seconds_left: answer.strip_prefix("OK ")?.parse().ok()? })
}

/// Asks this store's agent to wipe the keys and end. Whether there was one.
pub fn lock(store_dir: &Path) -> bool {
    let Some((mut stream, store)) = connect(store_dir) else { return false };
    ask(&mut stream, "LOCK", &store).is_some_and(|(_, a)| a == "OK")
}

// ---- the agent itself ----

/// The keys in memory, wiped on expiry or `lock`. The buffer's pages are locked against swap.
struct Held {
    bytes: Zeroizing<Vec<u8>>,
    /// Keeps `bytes`' pages locked for as long as the agent runs.
    _locked: region::LockGuard,
    store: PathBuf,
    socket: PathBuf,
    until: Instant,
}

impl Held {
    /// Wipes the keys and removes the socket; the process ends right after.
    fn wipe(&mut self) {
        self.bytes.zeroize();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// Prepares an agent for the store in `store_dir` with `keys`: checks (and makes) the runtime
/// folder and binds the socket, replacing an agent already serving this store. Runs in the
/// `liaison unlock` process; [`serve`] then runs in the background process.
pub struct Agent {
    listener: UnixListener,
    held: Held,
}

/// Hardens the background process: no core dump, not traceable or readable through /proc by
/// other processes of the user (PR_SET_DUMPABLE 0).
pub fn harden() -> Result<(), StoreError> {
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| StoreError::Io(format!("cannot protect the unlock agent's memory: {e}")))?;
    let _ = rlimit::Resource::CORE.set(0, 0);
    Ok(())
}

impl Agent {
    /// Reads the keys (from `liaison unlock`, through a pipe) into a buffer locked in memory,
    /// and binds the store's socket.
    pub fn start(
        store_dir: &Path,
        lifetime: Duration,
        keys_from: &mut dyn Read,
    ) -> Result<Agent, StoreError> {
        // Room for the keys reserved up front: reading never reallocates, so no copy of the
        // keys is left behind in freed memory, and the pages locked are the ones that hold them.
        let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_BUFFER));
        let locked = lock_in_memory(&bytes)?;
        keys_from
            .take(KEY_BUFFER as u64 - 1)
            .read_to_end(&mut bytes)
            .map_err(|e| StoreError::Io(format!("reading the keys: {e}")))?;
        Keys::from_agent_bytes(&bytes)?;
        let store = canonical(store_dir)?;
        let socket = socket_path(store_dir)?;
        let dir = socket.parent().ok_or_else(|| StoreError::Io("no runtime folder".into()))?;
        ensure_private_dir(dir)?;
        // A socket left by an agent that died (a reboot of the session, a kill): nobody
        // answers on it. `liaison unlock` has already asked a live one to end.
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket).map_err(|e| StoreError::io(&socket, &e))?;
        std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| StoreError::io(&socket, &e))?;
        let until = Instant::now() + lifetime.min(MAX_LIFETIME);
        Ok(Agent { listener, held: Held { bytes, _locked: locked, store, socket, until } })
    }

    /// Serves the keys until expiry or `lock`; never returns.
    pub fn serve(self) -> ! {
        let held = Arc::new(Mutex::new(self.held));
        let until = held.lock().map_or_else(|e| e.into_inner().until, |h| h.until);
        let timer = Arc::clone(&held);
        std::thread::spawn(move || {
            std::thread::sleep(until.saturating_duration_since(Instant::now()));
            end(&timer);
        });
        for stream in self.listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if answer(&mut stream, &held) {
                end(&held);
            }
        }
        end(&held)
    }
}

/// Wipes the keys and exits. `exit` runs no destructors, so the wipe is explicit.
fn end(held: &Mutex<Held>) -> ! {
    let mut h = held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    h.wipe();
    std::process::exit(0)
}

/// Answers one connection; true when it asked the agent to end.
fn answer(stream: &mut UnixStream, held: &Mutex<Held>) -> bool {
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    if !peer_is_us(stream) {
        // Nothing else is said to another user's process, not even whether keys are held.
        let _ = stream.write_all(b"NO not your agent\n");
        return false;
    }
    let mut line = Vec::new();
    let Ok(mut reader) = stream.try_clone().map(BufReader::new) else { return false };
    if (&mut reader).take(8192).read_until(b'\n', &mut line).is_err() {
        return false;
    }
    let line = String::from_utf8_lossy(&line);
    let line = line.trim_end_matches('\n');
    let (verb, path) = line.split_once(' ').unwrap_or((line, ""));
    let h = held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if Path::new(path) != h.store {
        let _ = stream.write_all(b"NO another store\n");
        return false;
    }
    let left = h.until.saturating_duration_since(Instant::now()).as_secs();
    match verb {
        "KEYS" => {
            // Written from the locked buffer itself: no copy of the keys is made here.
            let _ = stream.write_all(format!("OK {}\n", h.bytes.len()).as_bytes());
            let _ = stream.write_all(&h.bytes);
            false
        }
        "STATUS" => {
            let _ = stream.write_all(format!("OK {left}\n").as_bytes());
            false
        }
        "LOCK" => {
            drop(h);
            let _ = stream.write_all(b"OK\n");
            true
        }
        _ => {
            let _ = stream.write_all(b"NO unknown request\n");
            false
        }
    }
}

/// Locks the buffer's pages in memory so the keys are never written to swap. The range is
/// the vector's own allocation, which never moves: its capacity is reserved before reading
/// and it is never grown.
fn lock_in_memory(bytes: &Zeroizing<Vec<u8>>) -> Result<region::LockGuard, StoreError> {
    region::lock(bytes.as_ptr(), bytes.capacity()).map_err(|e| {
        StoreError::Io(format!("cannot lock the unlock agent's memory against swap ({e}); not started"))
    })
}

/// Parses a lifetime such as `15m`, `90s`, `2h` or `1h30m` (a number alone is minutes).
pub fn parse_lifetime(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration such as 15m, 90s or 2h");
    let text = text.trim();
    if let Ok(minutes) = text.parse::<u64>() {
        return check_lifetime(Duration::from_secs(minutes.saturating_mul(60)), text);
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().map_err(|_| bad())?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(bad()),
        };
        total = total.saturating_add(n.saturating_mul(unit));
    }
    if !number.is_empty() || text.is_empty() {
        return Err(bad());
    }
    check_lifetime(Duration::from_secs(total), text)
}

fn check_lifetime(d: Duration, text: &str) -> Result<Duration, String> {
    if d.is_zero() {
        return Err(format!("{text:?}: the agent must hold the keys for at least a second"));
    }
    if d > MAX_LIFETIME {
        return Err(format!("{text:?} is longer than the 12 hours an agent may hold the keys"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse_and_are_bounded() {
        assert_eq!(parse_lifetime("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_lifetime("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_lifetime("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_lifetime("20"), Ok(Duration::from_secs(1200)));
        for bad in ["", "m", "15x", "0s", "13h", "1.5h", "-1m"] {
            assert!(parse_lifetime(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_peer_check_knows_our_own_processes() {
        // Both ends of a socket pair are this process: the peer is us.
        let (a, _b) = UnixStream::pair().unwrap();
        assert!(peer_is_us(&a));
        assert_eq!(peer_uid(&a), Some(rustix::process::geteuid().as_raw()));
    }

    #[test]
    fn a_folder_others_can_enter_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("liaison");
        ensure_private_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = check_private_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("755") && err.contains("0700"), "{err}");
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        assert!(check_private_dir(&link).is_err(), "a link to a folder is not the folder");
    }
}
