//! The bundled fonts: every document is typeset with these and nothing else
//! (no system font is looked up), so the output is the same on every
//! machine and every glyph is embedded.
//!
//! Noto Sans (text), Noto Sans Mono (hashes, code-like values) and Noto Sans
//! Math (fallback for ≤ ≥ − → ≈ √, which Noto Sans lacks, and typst math),
//! SIL Open Font License 1.1 (`fonts/OFL.txt`); the files are those of
//! Debian's `fonts-noto-core` 20201225-1
//! (`fonts/README.md` gives their SHA-256).

use std::sync::LazyLock;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;

/// The font files, in the order of the font book.
static FILES: [&[u8]; 7] = [
    include_bytes!("../fonts/NotoSans-Regular.ttf"),
    include_bytes!("../fonts/NotoSans-Bold.ttf"),
    include_bytes!("../fonts/NotoSans-Italic.ttf"),
    include_bytes!("../fonts/NotoSans-BoldItalic.ttf"),
    include_bytes!("../fonts/NotoSansMono-Regular.ttf"),
    include_bytes!("../fonts/NotoSansMono-Bold.ttf"),
    include_bytes!("../fonts/NotoSansMath-Regular.ttf"),
];

/// Parsed fonts and their book, built once per process.
pub(crate) struct Fonts {
    pub(crate) book: LazyHash<FontBook>,
    pub(crate) fonts: Vec<Font>,
}

pub(crate) static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = FILES
        .iter()
        .flat_map(|data| Font::iter(Bytes::new(*data)))
        .collect();
    let book = LazyHash::new(FontBook::from_fonts(&fonts));
    Fonts { book, fonts }
});

/// The font families a template may name.
pub const FAMILIES: [&str; 3] = ["Noto Sans", "Noto Sans Mono", "Noto Sans Math"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_file_is_a_font_of_a_documented_family() {
        assert_eq!(FONTS.fonts.len(), FILES.len());
        for f in &FONTS.fonts {
            assert!(
                FAMILIES.contains(&f.info().family.as_str()),
                "unexpected family {}",
                f.info().family
            );
        }
    }
}
