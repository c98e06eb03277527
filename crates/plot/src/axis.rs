//! Axes: scale, range and "nice" ticks.

/// How data values map to positions along an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scale {
    /// Position proportional to the value.
    #[default]
    Linear,
    /// Position proportional to log10(value); values ≤ 0 cannot be drawn and
    /// are skipped.
    Log10,
}

/// One axis of a panel: label, scale, optional fixed range and ticks.
///
/// Without a fixed range the axis covers the data of the panel's series,
/// widened to nice tick values (linear: multiples of 1, 2 or 5 × 10^k;
/// log10: whole decades).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Axis {
    /// Axis title, e.g. `time after infusion (h)`.
    pub label: String,
    /// Linear or log10.
    pub scale: Scale,
    /// Fixed lower end (data units); `None` = from the data.
    pub min: Option<f64>,
    /// Fixed upper end (data units); `None` = from the data.
    pub max: Option<f64>,
    /// Explicit tick values; `None` = automatic nice ticks.
    pub ticks: Option<Vec<f64>>,
}

impl Axis {
    /// A linear axis with a label.
    pub fn linear(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
            ..Axis::default()
        }
    }

    /// A log10 axis with a label.
    pub fn log10(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Log10,
            ..Axis::default()
        }
    }

    /// Fixes the range to `[min, max]` (for log10 both must be > 0).
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }

    /// Uses these tick values instead of automatic ones.
    pub fn with_ticks(mut self, ticks: Vec<f64>) -> Self {
        self.ticks = Some(ticks);
        self
    }
}

/// A resolved axis: the drawn domain and its ticks with labels.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// Scale.
    pub scale: Scale,
    /// Lower end of the domain (data units).
    pub lo: f64,
    /// Upper end of the domain (data units).
    pub hi: f64,
    /// Tick values with their labels, inside \[lo, hi\].
    pub ticks: Vec<(f64, String)>,
    /// Unlabelled minor grid values (log axes spanning at most 4 decades:
    /// 2–9 × 10^k), inside \[lo, hi\].
    pub minor: Vec<f64>,
}

impl Resolved {
    /// Fraction 0..1 of the way from `lo` to `hi` (may fall outside for
    /// values outside the domain); `None` for values that cannot be drawn
    /// (non-finite, or ≤ 0 on a log axis).
    pub fn fraction(&self, v: f64) -> Option<f64> {
        if !v.is_finite() {
            return None;
        }
        match self.scale {
            Scale::Linear => Some((v - self.lo) / (self.hi - self.lo)),
            Scale::Log10 => {
                if v <= 0.0 {
                    None
                } else {
                    Some((v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10()))
                }
            }
        }
    }
}

/// Resolves `axis` against the finite data values `data` (already filtered
/// to > 0 for log axes by the caller or here).
pub fn resolve(axis: &Axis, data: &[f64]) -> Resolved {
    match axis.scale {
        Scale::Linear => resolve_linear(axis, data),
        Scale::Log10 => resolve_log(axis, data),
    }
}

fn data_range(data: &[f64], keep: impl Fn(f64) -> bool) -> Option<(f64, f64)> {
    let mut it = data.iter().copied().filter(|v| v.is_finite() && keep(*v));
    let first = it.next()?;
    Some(it.fold((first, first), |(a, b), v| (a.min(v), b.max(v))))
}

/// The nice step (1, 2 or 5 × 10^k) for about `target` intervals over `span`.
pub fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Decimal places needed to print multiples of `step` exactly.
fn decimals(step: f64) -> usize {
    let d = -step.log10().floor();
    if d > 0.0 { d as usize } else { 0 }
}

/// Formats a tick value with `dec` decimals, never printing `-0`.
pub fn format_tick(v: f64, dec: usize) -> String {
    let s = format!("{v:.dec$}");
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

fn resolve_linear(axis: &Axis, data: &[f64]) -> Resolved {
    let (dlo, dhi) = data_range(data, |_| true).unwrap_or((0.0, 1.0));
    let fixed_min = axis.min.filter(|v| v.is_finite());
    let fixed_max = axis.max.filter(|v| v.is_finite());
    let mut lo = fixed_min.unwrap_or(dlo);
    let mut hi = fixed_max.unwrap_or(dhi);
    if hi <= lo {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
    }
    let step = nice_step(hi - lo, 5.0);
    if fixed_min.is_none() {
        lo = (lo / step).floor() * step;
    }
    if fixed_max.is_none() {
        hi = (hi / step).ceil() * step;
    }
    let ticks = match &axis.ticks {
        Some(t) => explicit(t, lo, hi, Scale::Linear),
        None => {
            let dec = decimals(step);
            let k0 = (lo / step - 1e-9).ceil() as i64;
            let k1 = (hi / step + 1e-9).floor() as i64;
            (k0..=k1)
                .map(|k| {
                    let v = k as f64 * step;
                    (v, format_tick(v, dec))
                })
                .collect()
        }
    };
    Resolved {
        scale: Scale::Linear,
        lo,
        hi,
        ticks,
        minor: Vec::new(),
    }
}

fn explicit(t: &[f64], lo: f64, hi: f64, scale: Scale) -> Vec<(f64, String)> {
    let eps = (hi - lo).abs() * 1e-9;
    t.iter()
        .copied()
        .filter(|v| v.is_finite() && *v >= lo - eps && *v <= hi + eps)
        .filter(|v| scale == Scale::Linear || *v > 0.0)
        .map(|v| (v, format_plain(v)))
        .collect()
}

/// Shortest plain formatting of a value (up to 6 significant decimals).
pub fn format_plain(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Label of 10^k: plain decimal for −3 ≤ k ≤ 5, else `1e{k}`.
fn decade_label(m: f64, k: i32) -> String {
    if (-3..=5).contains(&k) {
        format_plain(m * 10f64.powi(k))
    } else {
        format!("{}e{k}", format_plain(m))
    }
}

fn resolve_log(axis: &Axis, data: &[f64]) -> Resolved {
    let (dlo, dhi) = data_range(data, |v| v > 0.0).unwrap_or((1.0, 10.0));
    let lo = axis
        .min
        .filter(|v| *v > 0.0)
        .unwrap_or(10f64.powf(dlo.log10().floor()));
    let mut hi = axis
        .max
        .filter(|v| *v > 0.0)
        .unwrap_or(10f64.powf(dhi.log10().ceil()));
    if hi <= lo {
        hi = lo * 10.0;
    }
    let ticks = match &axis.ticks {
        Some(t) => explicit(t, lo, hi, Scale::Log10),
        None => {
            let k0 = (lo.log10() - 1e-9).floor() as i32;
            let k1 = (hi.log10() + 1e-9).ceil() as i32;
            let decades = hi.log10() - lo.log10();
            let mults: &[f64] = if decades <= 1.5 {
                &[1.0, 2.0, 5.0]
            } else {
                &[1.0]
            };
            let mut t = Vec::new();
            for k in k0..=k1 {
                for &m in mults {
                    let v = m * 10f64.powi(k);
                    if v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9) {
                        t.push((v, decade_label(m, k)));
                    }
                }
            }
            t
        }
    };
    let mut minor = Vec::new();
    if hi.log10() - lo.log10() <= 4.0 + 1e-9 {
        let k0 = (lo.log10() - 1e-9).floor() as i32;
        let k1 = (hi.log10() + 1e-9).ceil() as i32;
        for k in k0..=k1 {
            for m in 2..=9 {
                let v = f64::from(m) * 10f64.powi(k);
                let labelled = ticks.iter().any(|t| (t.0 - v).abs() <= v * 1e-9);
                if v > lo && v < hi && !labelled {
                    minor.push(v);
                }
            }
        }
    }
    Resolved {
        scale: Scale::Log10,
        lo,
        hi,
        ticks,
        minor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_linear_ticks() {
        let r = resolve(&Axis::linear("t"), &[0.0, 117.0]);
        // span 117 / 5 = 23.4 → step 20; domain 0..120.
        assert_eq!((r.lo, r.hi), (0.0, 120.0));
        let labels: Vec<&str> = r.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0", "20", "40", "60", "80", "100", "120"]);
        let r = resolve(&Axis::linear("S").range(0.0, 1.0), &[]);
        let labels: Vec<&str> = r.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let r = resolve(&Axis::linear("res"), &[-0.07, 0.04]);
        assert_eq!(r.ticks.first().unwrap().1, "-0.08");
        assert!(r.ticks.iter().any(|t| t.1 == "0.00"));
    }

    #[test]
    fn log_ticks_at_decades() {
        let r = resolve(&Axis::log10("µSv/h"), &[19.94, 400.1]);
        assert_eq!((r.lo, r.hi), (10.0, 1000.0));
        let labels: Vec<&str> = r.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["10", "100", "1000"]);
        // Minor grid at 20, 30, …, 90, 200, …, 900.
        assert_eq!(r.minor.len(), 16);
        assert_eq!((r.minor[0], r.minor[15]), (20.0, 900.0));
        // 100 is exactly halfway between 10 and 1000 on a log axis.
        assert!((r.fraction(100.0).unwrap() - 0.5).abs() < 1e-12);
        assert!(r.fraction(0.0).is_none());
        assert!(r.fraction(-1.0).is_none());
        // Within about one decade: 1-2-5 ticks.
        let r = resolve(&Axis::log10("R").range(0.04, 1.0), &[]);
        let labels: Vec<&str> = r.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0.05", "0.1", "0.2", "0.5", "1"]);
        // log10(0.2/0.04)/log10(1/0.04) = 0.69897/1.39794 = 0.5.
        assert!((r.fraction(0.2).unwrap() - 0.5).abs() < 1e-12);
        // Large decades use exponent labels.
        let r = resolve(&Axis::log10("x").range(1.0, 1e7), &[]);
        assert_eq!(r.ticks.last().unwrap().1, "1e7");
    }

    #[test]
    fn degenerate_and_explicit() {
        let r = resolve(&Axis::linear("x"), &[5.0, 5.0]);
        assert!(r.lo < 5.0 && r.hi > 5.0);
        let r = resolve(
            &Axis::linear("x")
                .range(0.0, 10.0)
                .with_ticks(vec![0.0, 2.5, 11.0]),
            &[],
        );
        assert_eq!(r.ticks, vec![(0.0, "0".into()), (2.5, "2.5".into())]);
        assert_eq!(format_tick(-0.0001, 2), "0.00");
    }
}
