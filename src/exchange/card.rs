//! Office cards (DESIGN §5): what one office hands another, once, by hand, to be trusted.
//!
//! A card names the office (name, agency, country) and one of its devices with its public
//! keys: the Ed25519 key that signs its commits and bundles, and the age X25519 recipient
//! bundles for it are encrypted to. The card is signed by that Ed25519 key (proving the
//! device holds it), and carries a fingerprint of the keys as eight words, which the two
//! offices read to each other over a telephone before trusting: a card swapped in transit
//! then shows other words.

use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::ExchangeError;
use super::format::{hex_decode, hex_into};
use crate::model::fingerprint::fingerprint;
use crate::model::ids::DeviceId;
use crate::model::text::{self, Rule, TextError};
use crate::store::Store;
use crate::store::offices::{DeviceRecord, TrustOutcome, same_words};

/// A card file is a few hundred bytes; anything larger is not one.
pub const MAX_CARD_BYTES: usize = 64 * 1024;
const MAX_FIELD_CHARS: usize = 120;
const CARD_VERSION: u32 = 1;

/// An office device's public identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeCard {
    pub office: String,
    pub agency: String,
    pub country: String,
    pub device: DeviceId,
    pub signing_key: [u8; 32],
    pub age_recipient: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CardFile {
    liaison_office_card: u32,
    office: String,
    agency: String,
    country: String,
    device: String,
    signing_key: String,
    age_recipient: String,
    fingerprint: String,
    signature: String,
}

impl OfficeCard {
    /// This store's own card.
    pub fn of_store(store: &Store) -> OfficeCard {
        let office = store.office();
        OfficeCard {
            office: office.name.clone(),
            agency: office.agency.clone(),
            country: office.country.clone(),
            device: store.device(),
            signing_key: store.keys().public_key(),
            age_recipient: store.keys().age_recipient(),
        }
    }

    /// The keys as eight words (64 bits of BLAKE3 over both public keys).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.signing_key, &self.age_recipient)
    }

    fn signed_bytes(&self) -> Vec<u8> {
        let mut h = blake3::Hasher::new();
        h.update(b"liaison-office-card-v1");
        for part in [
            self.office.as_bytes(),
            self.agency.as_bytes(),
            self.country.as_bytes(),
            &self.device.0,
            &self.signing_key,
            self.age_recipient.as_bytes(),
        ] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
        h.finalize().as_bytes().to_vec()
    }

    /// The card file, signed with the device's key.
    pub fn to_file(&self, key: &SigningKey) -> String {
        let hex = |b: &[u8]| {
            let mut out = Vec::new();
            hex_into(b, &mut out);
            String::from_utf8(out).unwrap_or_default()
        };
        let file = CardFile {
            liaison_office_card: CARD_VERSION,
            office: self.office.clone(),
            agency: self.agency.clone(),
            country: self.country.clone(),
            device: self.device.to_string(),
            signing_key: hex(&self.signing_key),
            age_recipient: self.age_recipient.clone(),
            fingerprint: self.fingerprint(),
            signature: hex(&key.sign(&self.signed_bytes()).to_bytes()),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a card always serialises");
        text.push('\n');
        text
    }

    /// Reads and checks a card file: its shape, its limits, that the device id belongs to
    /// the key, that the fingerprint is the keys', and that the key signed the card.
    pub fn parse(bytes: &[u8]) -> Result<OfficeCard, String> {
        if bytes.len() > MAX_CARD_BYTES {
            return Err(format!("not an office card: larger than {} KiB", MAX_CARD_BYTES / 1024));
        }
        let file: CardFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not an office card ({e})"))?;
        if file.liaison_office_card != CARD_VERSION {
            return Err(format!(
                "office card version {} is not supported (this Liaison reads version {CARD_VERSION})",
                file.liaison_office_card
            ));
        }
        for (what, value) in [("office", &file.office), ("agency", &file.agency), ("country", &file.country)]
        {
            if value.chars().count() > MAX_FIELD_CHARS {
                return Err(format!("the card's {what} is not a plausible name"));
            }
        }
        if file.office.trim().is_empty() {
            return Err("the card names no office".into());
        }
        check_identity(&file.office, &file.agency, &file.country)
            .map_err(|e| format!("{e}; nothing was trusted"))?;
        let signing_key: [u8; 32] = hex_decode(&file.signing_key)
            .and_then(|k| k.try_into().ok())
            .ok_or("the card's signing key is not 32 bytes of hex")?;
        VerifyingKey::from_bytes(&signing_key).map_err(|_| "the card's signing key is not a valid key")?;
        let device = super::format::parse_device(&file.device).ok_or("the card's device id is not hex")?;
        if device != DeviceId::from_public_key(&signing_key) {
            return Err("the card's device id does not belong to its key".into());
        }
        if file.age_recipient.len() > 200 || age::x25519::Recipient::from_str(&file.age_recipient).is_err() {
            return Err("the card's encryption key is not an age X25519 recipient".into());
        }
        let card = OfficeCard {
            office: file.office,
            agency: file.agency,
            country: file.country,
            device,
            signing_key,
            age_recipient: file.age_recipient,
        };
        if file.fingerprint != card.fingerprint() {
            return Err("the card's fingerprint does not match its keys: it was altered".into());
        }
        let sig: [u8; 64] = hex_decode(&file.signature)
            .and_then(|s| s.try_into().ok())
            .ok_or("the card's signature is not 64 bytes of hex")?;
        let key = VerifyingKey::from_bytes(&signing_key).map_err(|_| "bad key")?;
        key.verify(&card.signed_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| "the card's signature does not verify: it was altered")?;
        Ok(card)
    }
}

impl OfficeCard {
    /// Reads and checks the card file at `path` (read no further than a card can be long).
    pub fn read_file(path: &Path) -> Result<OfficeCard, ExchangeError> {
        let io = |e: std::io::Error| ExchangeError::Io(format!("{}: {e}", path.display()));
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(MAX_CARD_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        OfficeCard::parse(&bytes).map_err(|e| ExchangeError::Input(format!("{}: {e}", path.display())))
    }

    /// The device this card brings, as the store keeps it (not yet trusted).
    pub fn device_record(&self) -> DeviceRecord {
        DeviceRecord {
            id: self.device,
            public_key: self.signing_key,
            age_recipient: self.age_recipient.clone(),
            office: self.office.clone(),
            agency: self.agency.clone(),
            country: self.country.clone(),
            is_self: false,
            trusted_at: None,
            revoked_at: None,
        }
    }
}

/// Trusts another office's card once its fingerprint has been confirmed: `words_read` are the
/// words the other office read aloud over a telephone (any case or separator). Other words
/// trust nothing: the card is not the one they sent. `add_device`, the new device's
/// fingerprint typed again, admits a new device under an office already trusted (see
/// [`Store::trust_device_adding`]). The one call for every face: the command line asks for the
/// words at a terminal or takes `--expect`, the workbench in its trust form.
pub fn trust_card(
    store: &mut Store,
    card: &OfficeCard,
    words_read: &str,
    add_device: Option<&str>,
) -> Result<TrustOutcome, ExchangeError> {
    if !same_words(words_read, &card.fingerprint()) {
        return Err(ExchangeError::Input(format!(
            "the fingerprint differs from the words {} read: this card is not the one they sent; nothing was trusted",
            card.office
        )));
    }
    Ok(store.trust_device_adding(&card.device_record(), add_device)?)
}

/// The text rule for an office's identity, wherever it is given (`init`, a card read): the
/// name must show a visible character and, like agency and country (which may be empty),
/// carry no control, bidirectional or invisible character: other offices list it as it is.
pub fn check_identity(office: &str, agency: &str, country: &str) -> Result<(), TextError> {
    text::check("office name", office, Rule::Name)?;
    for (field, value) in [("agency", agency), ("country", country)] {
        if !value.trim().is_empty() {
            text::check(field, value, Rule::Name)?;
        }
    }
    Ok(())
}

/// Entry point for the fuzz target and its corpus replay: must never panic.
pub fn fuzz_parse(bytes: &[u8]) {
    let _ = OfficeCard::parse(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> (OfficeCard, SigningKey) {
        let key = SigningKey::from_bytes(&[5; 32]);
        let public = key.verifying_key().to_bytes();
        let identity = age::x25519::Identity::generate();
        (
            OfficeCard {
                office: "PJ Lyon".into(),
                agency: "Police Judiciaire".into(),
                country: "FR".into(),
                device: DeviceId::from_public_key(&public),
                signing_key: public,
                age_recipient: identity.to_public().to_string(),
            },
            key,
        )
    }

    #[test]
    fn a_card_round_trips_and_shows_eight_words() {
        let (card, key) = card();
        let text = card.to_file(&key);
        assert_eq!(OfficeCard::parse(text.as_bytes()).unwrap(), card);
        assert_eq!(card.fingerprint().split(' ').count(), 8);
    }

    #[test]
    fn an_altered_card_is_refused() {
        let (card, key) = card();
        let text = card.to_file(&key);
        let renamed = text.replace("PJ Lyon", "PJ Lille");
        assert!(OfficeCard::parse(renamed.as_bytes()).unwrap_err().contains("signature"));
        let other = age::x25519::Identity::generate().to_public().to_string();
        let rekeyed = text.replace(&card.age_recipient, &other);
        assert!(OfficeCard::parse(rekeyed.as_bytes()).unwrap_err().contains("fingerprint"));
        assert!(OfficeCard::parse(b"{}").is_err());
        for hostile in ["PJ \u{1b}]0;pwned\u{7}Lyon", "PJ \u{202e}noyL", "\u{200b}\u{200d}"] {
            let (mut bad, key) = self::card();
            bad.office = hostile.into();
            let err = OfficeCard::parse(bad.to_file(&key).as_bytes()).unwrap_err();
            assert!(err.contains("the office name contains") || err.contains("no visible"), "{err}");
        }
        assert!(OfficeCard::parse(&vec![b' '; MAX_CARD_BYTES + 1]).is_err());
    }
}
