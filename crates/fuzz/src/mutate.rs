//! Structured mutation of bundled inputs: the slips people make when they
//! type or export a table, plus blind byte edits. Deterministic: every
//! choice comes from [`Rng`], so a seed reproduces a whole campaign.

use crate::case::Case;

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
/// number generators"): small, fast and deterministic; the same generator
/// as the dosimetry bootstrap and the study mutation test.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A uniform index in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// `true` with probability 1/`n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// The mutation operators, by name (the campaign report counts them).
pub const OPERATORS: &[&str] = &[
    "bit-flip",
    "byte-set",
    "byte-insert",
    "byte-delete",
    "digit-edit",
    "number-slip",
    "special-number",
    "decimal-comma",
    "column-swap",
    "column-duplicate",
    "column-delete",
    "header-rename",
    "cell-text",
    "line-delete",
    "line-duplicate",
    "line-swap",
    "truncate",
    "delimiter",
    "bom",
    "crlf",
    "huge-field",
    "quote",
    "date-edit",
    "splice",
    "file-delete",
    "file-header-only",
];

/// Relative frequency of each operator (same order as [`OPERATORS`]):
/// the typing and export slips more often than blind byte edits, so that
/// most mutants still reach the checks behind the parser.
const WEIGHTS: &[u32] = &[
    2, 2, 1, 1, // bit-flip, byte-set, byte-insert, byte-delete
    6, 8, 5, 2, // digit-edit, number-slip, special-number, decimal-comma
    2, 2, 2, 2, 3, // column swap/duplicate/delete, header-rename, cell-text
    3, 3, 3, 1, // line delete/duplicate/swap, truncate
    1, 1, 1, 1, 1, 3, 2, // delimiter, bom, crlf, huge-field, quote, date-edit, splice
    1, 1, // file-delete, file-header-only
];

fn pick_operator(rng: &mut Rng) -> usize {
    let total: u32 = WEIGHTS.iter().sum();
    let mut r = (rng.next_u64() % u64::from(total)) as u32;
    for (i, w) in WEIGHTS.iter().enumerate() {
        if r < *w {
            return i;
        }
        r -= w;
    }
    0
}

/// Numbers typed wrong: values that are legal floats but absurd, or not
/// numbers at all.
const SPECIAL: &[&str] = &[
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "1e309",
    "1e-320",
    "0",
    "-0",
    "-1",
    "0.0",
    "-0.000001",
    "18446744073709551616",
    "9223372036854775807",
    "4294967296",
    "99999999999999999999999999",
    "1e6",
    "1,5",
    "1.2.3",
    "--1",
    "+1",
    "0x10",
    "1_000",
    " ",
    "",
    "1e",
    ".",
    "-",
];

/// Dates typed wrong.
const DATES: &[&str] = &[
    "2024-02-30",
    "2023-02-29",
    "0000-01-01",
    "9999-12-31",
    "1900-01-01",
    "2100-01-01",
    "2024-13-01",
    "2024-00-10",
    "24-01-01",
    "01/02/2024",
    "2024-1-1",
    "-2024-01-01",
    "20240101",
];

/// Factors of the usual unit and decimal slips.
const FACTORS: &[f64] = &[
    10.0,
    100.0,
    1000.0,
    0.1,
    0.01,
    0.001,
    37.0,
    1.0 / 37.0,
    24.0,
    1.0 / 24.0,
    2.2046,
    1.0 / 2.2046,
    -1.0,
    1e6,
];

/// Applies random operators (one in half the mutants, up to four) to
/// random files of `case` (or to its file set), drawing material for
/// splices from `donors`.
pub fn mutate(case: &mut Case, donors: &[&Case], rng: &mut Rng) {
    let n = match rng.below(8) {
        0..=3 => 1,
        4 | 5 => 2,
        6 => 3,
        _ => 4,
    };
    for _ in 0..n {
        mutate_once(case, donors, rng);
    }
}

fn mutate_once(case: &mut Case, donors: &[&Case], rng: &mut Rng) {
    if case.files.is_empty() {
        return;
    }
    let fi = rng.below(case.files.len());
    let name = OPERATORS[pick_operator(rng)];
    if name == "file-delete" {
        // Never delete the argument list of a command; any data file goes.
        if case.files.len() > 1 && !case.files[fi].fixed {
            case.files.remove(fi);
        }
        return;
    }
    let file = &mut case.files[fi];
    if file.fixed {
        // Argument lists: only slips that keep them safe to run.
        let text = String::from_utf8_lossy(&file.bytes).into_owned();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            return;
        }
        let li = rng.below(lines.len());
        lines[li] = match rng.below(5) {
            0 | 1 => number_slip(&lines[li], rng),
            2 => special_number(&lines[li], rng),
            3 => digit_edit(&lines[li], rng),
            _ => rng.pick(&lines).clone(),
        };
        file.bytes = lines.join("\n").into_bytes();
        return;
    }
    let b = &mut file.bytes;
    match name {
        "bit-flip" if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }
        "byte-set" if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] = *rng.pick(&[
                0u8, b',', b';', b'\t', b'"', b'\n', b'\r', b'#', b'.', b'-', b'e', 0xFF, 0xC3,
                b' ', b'=', b'[', b']', b'{', b'}',
            ]);
        }
        "byte-insert" => {
            let i = rng.below(b.len() + 1);
            let v = (rng.next_u64() & 0xFF) as u8;
            b.insert(i, v);
        }
        "byte-delete" if !b.is_empty() => {
            let i = rng.below(b.len());
            let len = 1 + rng.below(8.min(b.len() - i));
            b.drain(i..i + len);
        }
        "digit-edit" => map_text(b, |t| digit_edit(t, rng)),
        "number-slip" => map_text(b, |t| number_slip(t, rng)),
        "special-number" => map_text(b, |t| special_number(t, rng)),
        "decimal-comma" => map_text(b, |t| {
            let dots: Vec<usize> = t.match_indices('.').map(|(i, _)| i).collect();
            if dots.is_empty() {
                return t.to_string();
            }
            if rng.one_in(2) {
                t.replace('.', ",")
            } else {
                let i = *rng.pick(&dots);
                format!("{},{}", &t[..i], &t[i + 1..])
            }
        }),
        "column-swap" | "column-duplicate" | "column-delete" => {
            map_text(b, |t| column_op(t, name, rng));
        }
        "header-rename" => map_text(b, |t| {
            let mut lines: Vec<&str> = t.split_inclusive('\n').collect();
            let Some(hi) = lines.iter().position(|l| !l.starts_with('#')) else {
                return t.to_string();
            };
            let renamed = rename_cell(lines[hi], rng);
            lines[hi] = &renamed;
            lines.concat()
        }),
        "cell-text" => map_text(b, |t| {
            replace_token(t, rng, |_, rng| {
                rng.pick(&["x", "n/a", "NA", "?", "<0.1", "1 MBq", "12,5", "—", "\"\""])
                    .to_string()
            })
        }),
        "line-delete" | "line-duplicate" | "line-swap" => map_text(b, |t| {
            let mut lines: Vec<String> = t.split_inclusive('\n').map(str::to_string).collect();
            if lines.is_empty() {
                return t.to_string();
            }
            let i = rng.below(lines.len());
            match name {
                "line-delete" => {
                    lines.remove(i);
                }
                "line-duplicate" => {
                    let l = lines[i].clone();
                    let l = if l.ends_with('\n') { l } else { l + "\n" };
                    lines.insert(i, l);
                }
                _ => {
                    let j = rng.below(lines.len());
                    lines.swap(i, j);
                }
            }
            lines.concat()
        }),
        "truncate" => {
            let keep = rng.below(b.len() + 1);
            b.truncate(keep);
        }
        "delimiter" => {
            let to = *rng.pick(b";\t| ");
            for c in b.iter_mut() {
                if *c == b',' {
                    *c = to;
                }
            }
        }
        "bom" => {
            if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
                b.drain(..3);
            } else {
                b.splice(0..0, [0xEF, 0xBB, 0xBF]);
            }
        }
        "crlf" => map_text(b, |t| match rng.below(3) {
            0 => t.replace('\n', "\r\n"),
            1 => t.replace('\n', "\r"),
            _ => t.replace("\r\n", "\n") + "\n\n\n",
        }),
        "huge-field" => map_text(b, |t| {
            let len = if rng.one_in(16) { 1 << 20 } else { 1 << 12 };
            let fill = *rng.pick(&["x", "9", "-", " ", "\""]);
            replace_token(t, rng, |_, _| fill.repeat(len))
        }),
        "quote" => map_text(b, |t| {
            let i = char_boundary(t, rng.below(t.len() + 1));
            let ins = *rng.pick(&["\"", "\"\n", "\"a\nb\"", "'", "\"\"", "\\"]);
            format!("{}{}{}", &t[..i], ins, &t[i..])
        }),
        "date-edit" => map_text(b, |t| {
            let dates = find_dates(t);
            if dates.is_empty() {
                return t.to_string();
            }
            let (s, e) = *rng.pick(&dates);
            format!("{}{}{}", &t[..s], rng.pick(DATES), &t[e..])
        }),
        "splice" => {
            if donors.is_empty() {
                return;
            }
            let d = rng.pick(donors);
            if d.files.is_empty() {
                return;
            }
            let df = rng.pick(&d.files);
            if df.fixed {
                return;
            }
            let lines: Vec<&[u8]> = df.bytes.split_inclusive(|&c| c == b'\n').collect();
            if lines.is_empty() {
                return;
            }
            let from = rng.below(lines.len());
            let to = (from + 1 + rng.below(4)).min(lines.len());
            let chunk: Vec<u8> = lines[from..to].concat();
            let at = line_start(b, rng);
            b.splice(at..at, chunk);
        }
        "file-header-only" => {
            let end = b
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |i| i + 1);
            b.truncate(end);
        }
        _ => {}
    }
}

/// Applies `f` to the text of `b` (lossily decoded: invalid bytes were
/// already a mutation of their own).
fn map_text(b: &mut Vec<u8>, f: impl FnOnce(&str) -> String) {
    let t = String::from_utf8_lossy(b).into_owned();
    *b = f(&t).into_bytes();
}

fn char_boundary(t: &str, mut i: usize) -> usize {
    while i > 0 && !t.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn line_start(b: &[u8], rng: &mut Rng) -> usize {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(
            b.iter()
                .enumerate()
                .filter(|(_, c)| **c == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    *rng.pick(&starts)
}

/// Byte ranges of the numbers in `t` (an optional sign, digits, a decimal
/// part and an exponent).
pub fn find_numbers(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut s = i;
            if s > 0 && b[s - 1] == b'-' {
                s -= 1;
            }
            let mut e = i;
            while e < b.len() && (b[e].is_ascii_digit() || b[e] == b'.') {
                e += 1;
            }
            if e < b.len() && (b[e] == b'e' || b[e] == b'E') {
                let mut k = e + 1;
                if k < b.len() && (b[k] == b'-' || b[k] == b'+') {
                    k += 1;
                }
                if k < b.len() && b[k].is_ascii_digit() {
                    while k < b.len() && b[k].is_ascii_digit() {
                        k += 1;
                    }
                    e = k;
                }
            }
            out.push((s, e));
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

fn find_dates(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    if b.len() < 10 {
        return out;
    }
    for i in 0..=b.len() - 10 {
        let w = &b[i..i + 10];
        let d = |k: usize| w[k].is_ascii_digit();
        if d(0)
            && d(1)
            && d(2)
            && d(3)
            && w[4] == b'-'
            && d(5)
            && d(6)
            && w[7] == b'-'
            && d(8)
            && d(9)
        {
            out.push((i, i + 10));
        }
    }
    out
}

fn replace_number(t: &str, rng: &mut Rng, f: impl FnOnce(&str, &mut Rng) -> String) -> String {
    let nums = find_numbers(t);
    if nums.is_empty() {
        return t.to_string();
    }
    let (s, e) = *rng.pick(&nums);
    let new = f(&t[s..e], rng);
    format!("{}{}{}", &t[..s], new, &t[e..])
}

/// Replaces one comma- or line-delimited token.
fn replace_token(t: &str, rng: &mut Rng, f: impl FnOnce(&str, &mut Rng) -> String) -> String {
    let mut bounds = vec![0];
    for (i, c) in t.char_indices() {
        if matches!(c, ',' | '\n' | '=' | ';' | '\t') {
            bounds.push(i);
            bounds.push(i + 1);
        }
    }
    bounds.push(t.len());
    let k = rng.below(bounds.len() / 2);
    let (s, e) = (bounds[2 * k], bounds[2 * k + 1]);
    let new = f(&t[s..e], rng);
    format!("{}{}{}", &t[..s], new, &t[e..])
}

/// A slip on one number: decimal point moved or dropped, a unit factor,
/// a sign.
pub fn number_slip(t: &str, rng: &mut Rng) -> String {
    replace_number(t, rng, |num, rng| {
        let Ok(v) = num.parse::<f64>() else {
            return num.to_string();
        };
        match rng.below(4) {
            0 => num.replace('.', ""),
            1 => {
                // Move the decimal point by one place.
                let digits: String = num.chars().filter(|c| *c != '.').collect();
                let pos = num.find('.').unwrap_or(num.len());
                let np = if rng.one_in(2) {
                    pos.saturating_sub(1)
                } else {
                    (pos + 1).min(digits.len())
                };
                format!(
                    "{}.{}",
                    &digits[..np.min(digits.len())],
                    &digits[np.min(digits.len())..]
                )
            }
            _ => {
                let f = rng.pick(FACTORS);
                let r = v * f;
                if v.fract() == 0.0 && r.fract() == 0.0 && r.abs() < 1e15 {
                    format!("{r:.0}")
                } else {
                    format!("{r}")
                }
            }
        }
    })
}

/// One number replaced by an absurd or malformed one.
pub fn special_number(t: &str, rng: &mut Rng) -> String {
    replace_number(t, rng, |_, rng| rng.pick(SPECIAL).to_string())
}

/// One digit changed.
pub fn digit_edit(t: &str, rng: &mut Rng) -> String {
    let digits: Vec<usize> = t
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if digits.is_empty() {
        return t.to_string();
    }
    let i = *rng.pick(&digits);
    let d = (b'0' + rng.below(10) as u8) as char;
    format!("{}{}{}", &t[..i], d, &t[i + 1..])
}

fn rename_cell(line: &str, rng: &mut Rng) -> String {
    let (body, nl) = match line.strip_suffix('\n') {
        Some(b) => (b, "\n"),
        None => (line, ""),
    };
    let mut cells: Vec<String> = body.split(',').map(str::to_string).collect();
    let i = rng.below(cells.len());
    let c = &mut cells[i];
    match rng.below(5) {
        0 => c.push('s'),
        1 => *c = c.to_uppercase(),
        2 => {
            if !c.is_empty() {
                let k = char_boundary(c, rng.below(c.len()));
                c.remove(k);
            }
        }
        3 => *c = format!(" {c} "),
        _ => *c = String::new(),
    }
    cells.join(",") + nl
}

fn column_op(t: &str, op: &str, rng: &mut Rng) -> String {
    let lines: Vec<&str> = t.split_inclusive('\n').collect();
    let width = lines
        .iter()
        .find(|l| !l.starts_with('#'))
        .map_or(0, |l| l.split(',').count());
    if width == 0 {
        return t.to_string();
    }
    let a = rng.below(width);
    let b = rng.below(width);
    // Sometimes the header only (a misaligned export), usually every line.
    let header_only = rng.one_in(4);
    let mut seen_header = false;
    let mut out = String::with_capacity(t.len() + 16);
    for l in lines {
        let (body, nl) = match l.strip_suffix('\n') {
            Some(x) => (x, "\n"),
            None => (l, ""),
        };
        let touch = !l.starts_with('#') && (!header_only || !seen_header);
        if !l.starts_with('#') {
            seen_header = true;
        }
        if !touch {
            out.push_str(l);
            continue;
        }
        let mut cells: Vec<&str> = body.split(',').collect();
        match op {
            "column-swap" => {
                if a < cells.len() && b < cells.len() {
                    cells.swap(a, b);
                }
            }
            "column-duplicate" => {
                if a < cells.len() {
                    let c = cells[a];
                    cells.insert(a, c);
                }
            }
            _ => {
                if a < cells.len() {
                    cells.remove(a);
                }
            }
        }
        out.push_str(&cells.join(","));
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_has_a_weight() {
        assert_eq!(WEIGHTS.len(), OPERATORS.len());
    }

    #[test]
    fn numbers_are_found_with_sign_decimals_and_exponent() {
        let t = "a,-1.5,2e-3,x7";
        let n: Vec<&str> = find_numbers(t).iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(n, ["-1.5", "2e-3", "7"]);
    }

    #[test]
    fn the_same_seed_gives_the_same_mutants() {
        let base = Case::single("r.csv", b"hours,reading\n0,408\n2,300\n".to_vec());
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..50)
                .map(|_| {
                    let mut c = base.clone();
                    mutate(&mut c, &[], &mut rng);
                    c
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn column_swap_swaps_every_line() {
        // With a fixed generator, some seed swaps columns 0 and 1 of all lines.
        let t = "a,b\n1,2\n";
        let found = (0..200).any(|s| column_op(t, "column-swap", &mut Rng::new(s)) == "b,a\n2,1\n");
        assert!(found);
    }

    #[test]
    fn argument_lists_stay_free_of_paths_outside_the_folder() {
        let mut c = Case::single("in.csv", b"x\n".to_vec());
        c.push_args(&["study", "report", "study", "--out", "out"]);
        let mut rng = Rng::new(1);
        for _ in 0..2000 {
            let mut m = c.clone();
            mutate(&mut m, &[], &mut rng);
            for a in m.args() {
                assert!(!a.starts_with('/') && !a.contains(".."), "{a}");
            }
        }
    }
}
