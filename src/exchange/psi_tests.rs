use super::*;
use crate::model::values::Locale;

fn phone(n: u32) -> Selector {
    Selector { kind: SelectorKind::Phone, value: format!("+3361{n:07}") }
}

fn key(label: &str) -> PsiKey {
    let mut wide = [0u8; 64];
    blake3::Hasher::new_derive_key("liaison psi test key")
        .update(label.as_bytes())
        .finalize_xof()
        .fill(&mut wide);
    PsiKey(Scalar::from_bytes_mod_order_wide(&wide))
}

const RUN: RunId = *b"run-0123456789ab";

#[test]
fn the_requester_learns_exactly_the_common_selectors() {
    let ours: Vec<Selector> = (0..300).map(phone).collect();
    let theirs: Vec<Selector> = (263..600).map(phone).collect();
    let (request, pending) = request(RUN, &ours).unwrap();
    let reply = reply(&request, &theirs).unwrap();
    let mut hits = intersect(&pending, &reply).unwrap();
    hits.sort();
    assert_eq!(hits, (263..300).map(phone).collect::<Vec<_>>());
}

#[test]
fn the_request_order_does_not_follow_the_selectors() {
    let ours: Vec<Selector> = (0..64).map(phone).collect();
    let (request, pending) = request_with_key(key("a"), RUN, &ours).unwrap();
    let mut sorted = request.blinded.clone();
    sorted.sort_unstable();
    assert_eq!(request.blinded, sorted, "points are sent sorted");
    assert_ne!(pending.selectors, ours, "so the selectors' own order is lost");
}

#[test]
fn the_reply_says_nothing_of_the_other_side_s_other_selectors() {
    // B holds a phone A does not ask about. A, knowing its own key and guessing that phone,
    // can compute everything it can compute without B's key: none of it is in the reply.
    let guess = phone(999);
    let (request, pending) = request_with_key(key("a"), RUN, &[phone(1)]).unwrap();
    let reply = reply_with_key(&key("b"), &request, &[phone(1), guess.clone()]).unwrap();
    let h = hash_to_group(&RUN, &guess);
    let computable = [h.compress().to_bytes(), (h * pending.key.0).compress().to_bytes()];
    for point in &reply.blinded {
        assert!(!computable.contains(point), "a guess must not be testable without B's key");
    }
    // Two replies with fresh keys share nothing: B's points cannot be linked across runs.
    let again = reply_with_key(&key("b2"), &request, &[phone(1), guess]).unwrap();
    assert!(reply.blinded.iter().all(|p| !again.blinded.contains(p)));
}

#[test]
fn the_run_is_bound_into_every_point() {
    let (request, _) = request_with_key(key("a"), RUN, &[phone(1)]).unwrap();
    let (other, _) = request_with_key(key("a"), *b"another-run-0000", &[phone(1)]).unwrap();
    assert_ne!(request.blinded, other.blinded);
}

#[test]
fn a_reply_to_another_request_is_refused() {
    let (_, pending) = request(RUN, &[phone(1)]).unwrap();
    let (other_request, _) = request(*b"another-run-0000", &[phone(1)]).unwrap();
    let reply = reply(&other_request, &[phone(1)]).unwrap();
    assert_eq!(intersect(&pending, &reply).unwrap_err(), PsiError::OtherRun);
}

#[test]
fn a_truncated_reply_is_refused() {
    let (request, pending) = request(RUN, &[phone(1), phone(2)]).unwrap();
    let mut reply = reply(&request, &[phone(1)]).unwrap();
    reply.doubly_blinded.pop();
    assert_eq!(intersect(&pending, &reply).unwrap_err(), PsiError::Incomplete { got: 1, want: 2 });
}

#[test]
fn damaged_points_and_the_identity_are_refused() {
    let bad = Request { run: RUN, blinded: vec![[0xff; 32]] };
    assert_eq!(reply(&bad, &[]).unwrap_err(), PsiError::BadPoint);
    // The identity point would make every selector a hit.
    let identity = Request { run: RUN, blinded: vec![RistrettoPoint::default().compress().to_bytes()] };
    assert_eq!(reply(&identity, &[]).unwrap_err(), PsiError::BadPoint);
}

#[test]
fn selectors_typed_differently_by_two_offices_are_one() {
    let l = Locale::default();
    assert_eq!(
        Selector::new(SelectorKind::Phone, "+33 6 12 34 56 78", l).unwrap(),
        Selector::new(SelectorKind::Phone, "+33612345678", l).unwrap()
    );
    assert_eq!(
        Selector::new(SelectorKind::Document, "ab 123-456", l).unwrap(),
        Selector::new(SelectorKind::Document, "AB123456", l).unwrap()
    );
    assert_eq!(
        Selector::person("BENALI Karim", "1979-04-17").unwrap(),
        Selector::person("Karim  Benali", "1979-04-17").unwrap()
    );
    assert_ne!(
        Selector::person("Karim Benali", "1979-04-17").unwrap(),
        Selector::person("Karim Benali", "1979-04-18").unwrap()
    );
    assert!(Selector::new(SelectorKind::Document, " - ", l).is_err());
}

#[test]
fn keys_round_trip_and_zero_is_not_a_key() {
    let k = key("a");
    assert_eq!(PsiKey::from_bytes(k.to_bytes()).unwrap().0, k.0);
    assert!(PsiKey::from_bytes([0; 32]).is_none());
}

#[test]
fn requests_and_replies_survive_the_bundle_encoding() {
    let (request, _) = request(RUN, &[phone(1), phone(2)]).unwrap();
    let reply = reply(&request, &[phone(2)]).unwrap();
    let bytes = postcard::to_stdvec(&reply).unwrap();
    assert_eq!(postcard::from_bytes::<Reply>(&bytes).unwrap(), reply);
    let json = serde_json::to_string(&request).unwrap();
    assert_eq!(serde_json::from_str::<Request>(&json).unwrap(), request);
}
