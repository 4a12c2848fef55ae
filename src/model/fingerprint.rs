//! A device's fingerprint: eight words read aloud over the telephone when two offices trust
//! each other's cards. The store compares them when a known office brings a new device, and
//! the exchange prints them on cards, so they live with the model, below both.

const FINGERPRINT_WORDS: usize = 8;

/// The eight-word fingerprint of a device's two public keys.
pub fn fingerprint(signing_key: &[u8; 32], age_recipient: &str) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"liaison-fingerprint-v1");
    h.update(signing_key);
    h.update(age_recipient.as_bytes());
    let hash = h.finalize();
    hash.as_bytes()[..FINGERPRINT_WORDS].iter().map(|b| WORDS[usize::from(*b)]).collect::<Vec<_>>().join(" ")
}

/// The 256 words of fingerprints: short, common, distinct when read aloud over a telephone
/// line. Fixed forever: changing one would change every fingerprint.
const WORDS: [&str; 256] = [
    "acid", "acorn", "actor", "adobe", "agent", "alarm", "album", "alder", "alley", "amber", "angle",
    "ankle", "apple", "apron", "arena", "armor", "arrow", "aspen", "atlas", "attic", "award", "bacon",
    "badge", "baker", "banjo", "barge", "baron", "basil", "beach", "beard", "bench", "berry", "bison",
    "blade", "blaze", "bloom", "board", "boxer", "brass", "bread", "brick", "bride", "brook", "broom",
    "brush", "cabin", "cable", "camel", "canal", "candy", "canoe", "cargo", "carol", "cedar", "chalk",
    "charm", "chess", "chief", "cider", "cigar", "civic", "cliff", "clock", "cloud", "clown", "coast",
    "cobra", "comet", "coral", "couch", "crane", "crate", "crest", "crown", "crumb", "cycle", "daisy",
    "dance", "delta", "depot", "diary", "dingo", "disco", "diver", "dodge", "dough", "dozen", "drama",
    "dream", "drift", "drum", "eagle", "earth", "easel", "elbow", "elder", "ember", "enzyme", "epoch",
    "fable", "fairy", "falcon", "fancy", "fern", "ferry", "fiber", "field", "fjord", "flame", "flint",
    "flora", "flute", "focus", "forge", "fossil", "frame", "frost", "fudge", "gamma", "garden", "gecko",
    "genie", "ghost", "giant", "ginger", "glade", "glass", "globe", "glove", "goose", "grain", "grape",
    "gravel", "guava", "guide", "gully", "habit", "harbor", "hazel", "heron", "hinge", "hippo", "honey",
    "hotel", "human", "igloo", "index", "inlet", "ivory", "jacket", "jaguar", "jelly", "jewel", "joker",
    "judge", "juice", "kayak", "kettle", "kiosk", "knife", "koala", "label", "ladder", "lagoon", "lake",
    "laser", "lemon", "lever", "lilac", "linen", "lizard", "llama", "lobby", "lotus", "lunar", "lyric",
    "magnet", "mango", "maple", "marble", "meadow", "medal", "melon", "metro", "mirror", "molar", "motor",
    "mural", "nectar", "needle", "nickel", "noble", "nomad", "novel", "oasis", "ocean", "olive", "onion",
    "opera", "orbit", "otter", "owl", "oyster", "paddle", "palace", "panda", "paper", "parade", "pastel",
    "pearl", "pepper", "piano", "pilot", "pixel", "planet", "plaza", "plume", "polar", "pony", "poppy",
    "prism", "pulse", "puppet", "quail", "quartz", "quest", "quill", "rabbit", "radar", "radio", "raft",
    "raven", "relic", "ribbon", "ridge", "river", "robin", "rocket", "rodeo", "rose", "ruby", "saddle",
    "salmon", "sandal", "satin", "scarf", "scout", "sensor", "shadow", "shell", "sierra", "silk", "siren",
    "sketch", "sled", "slope",
];

#[cfg(test)]
mod tests {
    #[test]
    fn words_are_distinct() {
        let set: std::collections::BTreeSet<&str> = super::WORDS.iter().copied().collect();
        assert_eq!(set.len(), 256);
    }
}
