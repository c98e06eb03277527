//! Serialisation helpers: lengths cross the wire in millimetres, with the
//! unit in the field name (`..._mm`), as clinicians report diameters. Values
//! are rounded to 1e-6 mm so that the cm ↔ mm conversion of `Length` does not
//! show as `49.900000000000006` (the classifiers work in exact tenths of mm).

use mibg_units::Length;
use serde::Serializer;

/// Millimetres rounded to 1e-6 mm.
pub(crate) fn round_mm(l: Length) -> f64 {
    (l.mm() * 1e6).round() / 1e6
}

/// Serialises a [`Length`] as millimetres.
pub(crate) fn mm<S: Serializer>(l: &Length, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(round_mm(*l))
}

/// Serialises an optional [`Length`] as millimetres (or null).
pub(crate) fn opt_mm<S: Serializer>(l: &Option<Length>, s: S) -> Result<S::Ok, S::Error> {
    match l {
        Some(l) => s.serialize_some(&round_mm(*l)),
        None => s.serialize_none(),
    }
}
