//! Electronic signature manifestations (21 CFR 11.50, 11.70; docs/reference/registry.md
//! §3): the signer's printed name, the date and time of signing, the meaning
//! of the signature, and the SHA-256 of the canonical JSON it signs.
//!
//! This crate only *shows* signatures: checking the signer's identity and
//! password (11.200), storing the signature with the record version and
//! voiding it when the record changes belong to the store and web layers,
//! which build a [`Signature`] from their own records and pass it to
//! [`crate::render`]. `render` refuses a signature whose hash is not the hash
//! of the document's data, so a signature cannot be shown on content it did
//! not sign.

use crate::canonical::ContentHash;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a signature means (21 CFR 11.50(a)(3)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Meaning {
    /// The author of the content (e.g. the physicist who computed A₂).
    Authored,
    /// Checked by a second person.
    Reviewed,
    /// Approved for use (e.g. the physician approving the prescription).
    Approved,
}

impl Meaning {
    /// The word printed in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Meaning::Authored => "authored",
            Meaning::Reviewed => "reviewed",
            Meaning::Approved => "approved",
        }
    }
}

impl fmt::Display for Meaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A meaning that is not one of authored, reviewed, approved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a signature meaning (authored, reviewed, approved)")]
pub struct MeaningError(pub String);

impl FromStr for Meaning {
    type Err = MeaningError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "authored" => Ok(Meaning::Authored),
            "reviewed" => Ok(Meaning::Reviewed),
            "approved" => Ok(Meaning::Approved),
            _ => Err(MeaningError(s.to_string())),
        }
    }
}

/// One signature as it is printed: who, when (UTC), what it means, and the
/// content it is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    /// The signer's printed name, e.g. "Dr A. Example".
    pub printed_name: String,
    /// When it was signed.
    pub signed_at: jiff::Timestamp,
    /// What the signature means.
    pub meaning: Meaning,
    /// SHA-256 of the canonical JSON (RFC 8785) of the signed content
    /// ([`crate::content_hash`]).
    pub content_sha256: ContentHash,
    /// How the signer's identity was checked, printed with the signature,
    /// e.g. "password re-entered (21 CFR 11.200)" from the web application,
    /// or "not verified: typed on the command line (--sign-as)".
    pub identity_check: String,
}

/// A signature that cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The printed name is empty or only spaces.
    #[error("a signature needs the signer's printed name")]
    NoName,
    /// The signature binds other content than the document shows.
    #[error(
        "the signature of {name} ({meaning}) binds content {signed}, but the document's data hashes to {document}: it was made for other content, or the content changed after signing"
    )]
    ContentMismatch {
        /// The signer.
        name: String,
        /// Its meaning.
        meaning: Meaning,
        /// The hash it binds.
        signed: ContentHash,
        /// The hash of the data being rendered.
        document: ContentHash,
    },
}

impl Signature {
    /// Checks that the signature can be printed on a document whose data
    /// hashes to `document`.
    pub fn check(&self, document: &ContentHash) -> Result<(), SignatureError> {
        if self.printed_name.trim().is_empty() {
            return Err(SignatureError::NoName);
        }
        if &self.content_sha256 != document {
            return Err(SignatureError::ContentMismatch {
                name: self.printed_name.clone(),
                meaning: self.meaning,
                signed: self.content_sha256,
                document: *document,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::content_hash;
    use serde_json::json;

    fn sig(name: &str, hash: ContentHash) -> Signature {
        Signature {
            printed_name: name.into(),
            signed_at: "2026-12-01T09:30:00Z".parse().unwrap(),
            meaning: Meaning::Authored,
            content_sha256: hash,
            identity_check: "test".into(),
        }
    }

    #[test]
    fn a_signature_is_accepted_only_on_the_content_it_binds() {
        let h = content_hash(&json!({"a2_mbq": 3964}));
        let other = content_hash(&json!({"a2_mbq": 3965}));
        assert_eq!(sig("Dr A", h).check(&h), Ok(()));
        assert!(matches!(
            sig("Dr A", h).check(&other),
            Err(SignatureError::ContentMismatch { .. })
        ));
        assert_eq!(sig("  ", h).check(&h), Err(SignatureError::NoName));
    }

    #[test]
    fn meanings_parse_and_print_as_their_words() {
        for m in [Meaning::Authored, Meaning::Reviewed, Meaning::Approved] {
            assert_eq!(m.as_str().parse::<Meaning>().unwrap(), m);
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
        }
        assert!("signed".parse::<Meaning>().is_err());
    }

    #[test]
    fn a_signature_round_trips_through_json_for_a_store() {
        let s = sig("Dr A", content_hash(&json!([1])));
        let text = serde_json::to_string(&s).unwrap();
        assert!(
            text.contains("\"signed_at\":\"2026-12-01T09:30:00Z\""),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Signature>(&text).unwrap(), s);
    }
}
