//! Properties of the readings and S-table parsers on the CSV layer: no
//! input makes them panic; valid rows round-trip with their physical lines.

use mibg_dosimetry::{ReadingsOptions, parse_readings, parse_s_table};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary text (CSV-ish characters, quotes, `;`, tabs, BOM) is
    /// parsed or refused, never a panic.
    #[test]
    fn arbitrary_text_never_panics(
        header in "(hours|time|reading|background|notes|x)([,;\t](hours|time|reading|background|notes|x)){0,4}",
        body in "[0-9a-z,;\t\"\\.\\-e \r\n#é]{0,200}",
        bom in any::<bool>(),
    ) {
        let text = format!("{}{header}\n{body}", if bom { "\u{feff}" } else { "" });
        let _ = parse_readings("p.csv", &text, &ReadingsOptions::default());
        let _ = parse_s_table("s.csv", &text.replace("hours", "mass_kg").replace("reading", "s_gy_per_gbq_h"));
    }

    /// Valid readings round-trip: every time and value is read back, each on
    /// the physical line it was written on (comments interleaved).
    #[test]
    fn valid_readings_round_trip(
        steps in proptest::collection::vec((1u32..500, 1u32..1000), 2..12),
        comments in proptest::collection::vec(any::<bool>(), 12),
        crlf in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("# readings{nl}hours,reading,background{nl}");
        let mut line = 3usize;
        let mut t = 0u32;
        let mut expected = Vec::new();
        // Readings falling from 100 000 so that no net reading rises.
        let mut value = 100_000u32;
        for (i, &(dt, drop)) in std::iter::once(&(0, 0)).chain(steps.iter()).enumerate() {
            if comments[i % comments.len()] {
                text.push_str(&format!("# note{nl}"));
                line += 1;
            }
            t += dt;
            value = value.saturating_sub(drop).max(100);
            let hours = f64::from(t) / 4.0;
            text.push_str(&format!("{hours},{value},0{nl}"));
            expected.push((line, hours, f64::from(value)));
            line += 1;
        }
        let r = parse_readings("p.csv", &text, &ReadingsOptions::default());
        // Equal values can repeat after saturation; strictly falling is not required.
        let r = r.unwrap();
        prop_assert_eq!(r.len(), expected.len());
        for (got, (line, hours, value)) in r.readings.iter().zip(&expected) {
            prop_assert_eq!(got.line, *line);
            prop_assert_eq!(got.time_h.hours(), *hours);
            prop_assert_eq!(got.raw, *value);
        }
    }
}
