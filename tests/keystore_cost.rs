//! The passphrase's key-derivation cost (issue 16): never below 2^18 whatever the machine's
//! load at `init`, and `passwd` raises older keystores to it. Each test derives a key at 2^18
//! once or twice (about half a second each).

mod common;

use common::Liaison;
use liaison::store::keystore::{MIN_SCRYPT_LOG_N, work_factor};

const WARNING: &str = "LIAISON_KDF_LOG_N=10 lowered the passphrase's key-derivation cost";

#[test]
fn a_new_store_is_sealed_at_the_minimum_cost_or_more() {
    const { assert!(MIN_SCRYPT_LOG_N >= 18) };
    let l = Liaison::empty();
    let out =
        l.command().env_remove("LIAISON_KDF_LOG_N").args(["init", "--office", "Paris"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"), "no test knob, no warning");
    let log_n = work_factor(&l.store.join(liaison::store::KEYSTORE)).expect("an scrypt keystore");
    assert!(log_n >= MIN_SCRYPT_LOG_N, "sealed at 2^{log_n}");
}

#[test]
fn passwd_raises_a_cheaper_keystore_to_the_minimum_and_says_so() {
    // The test knob makes a 2^10 keystore, as older Liaisons did on a loaded machine (2^17),
    // and says on stderr that it is for tests only.
    let l = Liaison::empty();
    let out = l.command().args(["init", "--office", "Paris"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(WARNING),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keystore = l.store.join(liaison::store::KEYSTORE);
    assert_eq!(work_factor(&keystore), Some(10));

    let new_pass = l.root.path().join("new-pass");
    std::fs::write(&new_pass, "a much longer new passphrase\n").unwrap();
    let out = l
        .command()
        .env_remove("LIAISON_KDF_LOG_N")
        .args(["passwd", "--new-passphrase-file", new_pass.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains(&format!("raised from 2^10 to 2^{MIN_SCRYPT_LOG_N}")), "{said}");
    assert_eq!(work_factor(&keystore), Some(MIN_SCRYPT_LOG_N));
    // The raised keystore opens with the new passphrase.
    let out = l.command_using(&new_pass).args(["stats"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
