//! Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and the SHA-256
//! content hash that a signature binds (docs/reference/registry.md §3, 21 CFR 11.70).
//!
//! Two JSON documents with the same content (whatever their key order,
//! whitespace or number spelling, e.g. `444.0` and `444`) have the same
//! canonical form, and so the same hash; any change of a value changes it.
//!
//! The canonical form follows RFC 8785: object members sorted by their names'
//! UTF-16 code units, no whitespace, strings with only `"`, `\` and control
//! characters escaped (`\b \t \n \f \r`, others as `\u00xx`), numbers as
//! ECMAScript `Number.prototype.toString` prints the IEEE double. One
//! deliberate difference: an integer outside ±2⁵³ (which a double cannot
//! hold exactly) is written exactly, not rounded; mibg's documents hold none.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// The RFC 8785 canonical form of a JSON value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// SHA-256 of the canonical JSON of `value`: what a signature binds.
pub fn content_hash(value: &Value) -> ContentHash {
    ContentHash(Sha256::digest(canonical_json(value).as_bytes()).into())
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                // serde_json never holds a non-finite number.
                out.push_str(&es_number(n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(v, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMAScript `Number.prototype.toString(x)` for a finite double
/// (ECMA-262 section 6.1.6.1.20): the shortest digits that round-trip, in fixed
/// notation when the decimal exponent n satisfies −6 < n ≤ 21, otherwise
/// `d.ddde±n`.
fn es_number(x: f64) -> String {
    if x == 0.0 {
        return "0".into(); // also −0
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde-7".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    // x = 0.digits × 10^n
    let n = exp.parse::<i32>().unwrap_or(0) + 1;
    let sign = if x < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// A SHA-256 digest, shown and parsed as 64 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

/// A content hash that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a SHA-256 digest (64 hexadecimal digits)")]
pub struct ContentHashError(pub String);

impl FromStr for ContentHash {
    type Err = ContentHashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ContentHashError(s.to_string());
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

impl serde::Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8785 Appendix B: IEEE 754 doubles (given by their bit patterns)
    /// and their canonical text; every expected string re-checked with
    /// Node.js 20 `Number.prototype.toString` (the reference the RFC names).
    #[test]
    fn numbers_match_rfc8785_appendix_b() {
        let cases: [(u64, &str); 22] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
        ];
        for (bits, want) in cases {
            assert_eq!(es_number(f64::from_bits(bits)), want, "bits {bits:#018x}");
        }
        assert_eq!(es_number(0.1), "0.1");
        assert_eq!(es_number(-1.5e-7), "-1.5e-7");
        assert_eq!(es_number(444.0), "444");
    }

    /// RFC 8785 section 3.2.3: sorting by UTF-16 code units ("\u{10000}" sorts
    /// before "\u{e000}" although its code point is larger), and the
    /// example of section 3.2.2 for strings and literals.
    #[test]
    fn objects_sort_by_utf16_and_strings_escape_minimally() {
        let v = json!({"\u{e000}": 1, "\u{10000}": 2, "b": [true, null], "a": "x\"\\\n\u{1f}é"});
        assert_eq!(
            canonical_json(&v),
            "{\"a\":\"x\\\"\\\\\\n\\u001fé\",\"b\":[true,null],\"\u{10000}\":2,\"\u{e000}\":1}"
        );
    }

    #[test]
    fn key_order_whitespace_and_number_spelling_do_not_change_the_hash() {
        let a: Value = serde_json::from_str(r#"{"a": 444.0, "b": {"y": 1, "x": [1.5]}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"b":{"x":[1.50],"y":1},"a":444}"#).unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        let c: Value = serde_json::from_str(r#"{"a": 444.5, "b": {"y": 1, "x": [1.5]}}"#).unwrap();
        assert_ne!(content_hash(&a), content_hash(&c));
    }

    /// SHA-256 of "{}" (the canonical empty object), from `printf '{}' | sha256sum`.
    #[test]
    fn hash_of_the_empty_object_is_the_sha256_of_two_braces() {
        assert_eq!(
            content_hash(&json!({})).to_string(),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn content_hash_round_trips_through_text_and_rejects_bad_digests() {
        let h = content_hash(&json!({"x": 1}));
        assert_eq!(h.to_string().parse::<ContentHash>().unwrap(), h);
        assert!("abc".parse::<ContentHash>().is_err());
        assert!("g".repeat(64).parse::<ContentHash>().is_err());
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<ContentHash>(&json).unwrap(), h);
    }
}
