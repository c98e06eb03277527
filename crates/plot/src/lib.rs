//! Small, deterministic SVG charts for mibg reports.
//!
//! One job: turn numbers into a self-contained SVG string, identically every
//! time (fixed number formatting, no randomness, no clock, no fonts
//! embedded). No dependencies beyond `std`.
//!
//! A [`Figure`] stacks [`Panel`]s (each with an x and a y [`Axis`], linear or
//! log10, and any number of [`Series`]) and [`TextTable`]s (rows of text
//! aligned to the x axis of the panel above, e.g. numbers at risk).
//!
//! Time–activity plot (readings as points on a log axis, fitted curve as a
//! line, residuals panel below):
//!
//! ```
//! use mibg_plot::*;
//! let readings = vec![(0.0, 400.0), (24.0, 138.5), (48.0, 80.2), (120.0, 19.8)];
//! let fit: Vec<(f64, f64)> = (0..=60).map(|i| {
//!     let t = i as f64 * 2.0;
//!     (t, 200.0 * (-t / 8.66).exp() + 200.0 * (-t / 51.9).exp())
//! }).collect();
//! let svg = Figure::new(720.0)
//!     .title("Whole-body retention after infusion 1")
//!     .share_x()
//!     .panel(Panel::new(Axis::linear("time after infusion (h)"), Axis::log10("dose rate at 1 m (µSv/h)"))
//!         .series(Series::points("readings", readings))
//!         .series(Series::line("bi-exponential fit", fit)))
//!     .panel(Panel::new(Axis::linear("time after infusion (h)"), Axis::linear("residual (%)"))
//!         .height(120.0)
//!         .reference_y(0.0)
//!         .series(Series::points("", vec![(0.0, 0.1), (24.0, -1.2), (48.0, 0.8), (120.0, 0.3)])))
//!     .to_svg();
//! assert!(svg.starts_with("<svg"));
//! ```
//!
//! Kaplan–Meier plot (step curve with a stepped CI band, censoring ticks,
//! numbers at risk under the x axis, legend):
//!
//! ```
//! use mibg_plot::*;
//! let km = Series::step("tandem mIBG", vec![(0.0, 1.0), (3.0, 0.8), (7.0, 0.6)], Some(12.0));
//! let ci = Series::band("", vec![(0.0, 1.0, 1.0), (3.0, 0.55, 0.93), (7.0, 0.33, 0.82)], true, Some(12.0));
//! let svg = Figure::new(720.0)
//!     .panel(Panel::new(Axis::linear("months"), Axis::linear("event-free survival").range(0.0, 1.0))
//!         .series(ci)          // a band takes the colour of the next series
//!         .series(km)
//!         .series(Series::ticks("", vec![(5.0, 0.8), (12.0, 0.6)])))
//!     .table(TextTable::new("Number at risk")
//!         .row("tandem mIBG", vec![(0.0, "10".into()), (6.0, "6".into()), (12.0, "2".into())]))
//!     .to_svg();
//! assert!(svg.contains("Number at risk"));
//! ```
//!
//! Colours: points, lines and steps without an explicit colour take the next
//! colour of [`PALETTE`] (Okabe–Ito, colour-blind safe) in the order added; a
//! band takes the colour of the curve added after it, ticks and error bars
//! the colour of the curve added before them. So add per group: band, curve,
//! censor ticks.
//!
//! Clipping: lines, steps and bands are clipped to the plot area; markers
//! (points, ticks, error bars) are drawn whole, and skipped when outside the
//! axis ranges. Values that cannot be drawn (non-finite, ≤ 0 on a log axis)
//! are skipped; lines and steps break at them.

pub mod axis;
pub mod flow;
pub mod series;

pub use axis::{Axis, Scale};
pub use series::{Kind, Series};

use axis::Resolved;
use std::fmt::Write as _;

/// Default series colours (Okabe & Ito 2008, colour-blind-safe palette).
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

const MARGIN_RIGHT: f64 = 24.0;
const FIGURE_TITLE_H: f64 = 30.0;
const PANEL_TITLE_H: f64 = 20.0;
const PANEL_TOP_PAD: f64 = 10.0;
const AXIS_BELOW_H: f64 = 44.0;
const TABLE_TITLE_H: f64 = 20.0;
const TABLE_ROW_H: f64 = 16.0;
const TABLE_PAD: f64 = 8.0;
/// Gap between a table row label and the plot's left edge, leaving room for
/// a cell centred at the first x.
const TABLE_LABEL_GAP: f64 = 18.0;

/// One plot area with its axes and series.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Height of the plot area in px (default 300).
    pub height: f64,
    /// Optional title above the panel.
    pub title: Option<String>,
    /// Series, drawn in order (later on top).
    pub series: Vec<Series>,
    /// Horizontal reference lines (e.g. 0 for residuals), dashed grey.
    pub reference_ys: Vec<f64>,
    /// Draw a legend of named series (default `true`).
    pub legend: bool,
}

impl Panel {
    /// A panel with axes `x` and `y`, 300 px high.
    pub fn new(x: Axis, y: Axis) -> Self {
        Panel {
            x,
            y,
            height: 300.0,
            title: None,
            series: Vec::new(),
            reference_ys: Vec::new(),
            legend: true,
        }
    }

    /// Sets the plot-area height in px.
    pub fn height(mut self, px: f64) -> Self {
        self.height = px;
        self
    }

    /// Sets the panel title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = Some(t.into());
        self
    }

    /// Adds a series.
    pub fn series(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Adds a dashed horizontal reference line at `y`.
    pub fn reference_y(mut self, y: f64) -> Self {
        self.reference_ys.push(y);
        self
    }

    /// Hides the legend.
    pub fn without_legend(mut self) -> Self {
        self.legend = false;
        self
    }
}

/// One row of a [`TextTable`]: a label and texts at x positions.
#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    /// Row label, drawn left of the plot area.
    pub label: String,
    /// Label colour (CSS); `None` = black.
    pub color: Option<String>,
    /// (x in data units of the panel above, text).
    pub cells: Vec<(f64, String)>,
}

/// Rows of text aligned with the x axis of the panel above it, e.g. the
/// numbers at risk under a Kaplan–Meier plot.
#[derive(Clone, Debug, PartialEq)]
pub struct TextTable {
    /// Title line (e.g. `Number at risk`).
    pub title: String,
    /// The rows.
    pub rows: Vec<TableRow>,
}

impl TextTable {
    /// An empty table with a title.
    pub fn new(title: impl Into<String>) -> Self {
        TextTable {
            title: title.into(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(mut self, label: impl Into<String>, cells: Vec<(f64, String)>) -> Self {
        self.rows.push(TableRow {
            label: label.into(),
            color: None,
            cells,
        });
        self
    }

    /// Adds a row whose label is drawn in `color`.
    pub fn row_colored(
        mut self,
        label: impl Into<String>,
        color: &str,
        cells: Vec<(f64, String)>,
    ) -> Self {
        self.rows.push(TableRow {
            label: label.into(),
            color: Some(color.to_string()),
            cells,
        });
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Block {
    Panel(Box<Panel>),
    Table(TextTable),
}

/// A figure: panels and tables stacked top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// Width in px.
    pub width: f64,
    /// Optional title.
    pub title: Option<String>,
    /// Minimum left margin in px (y tick labels, y-axis title, table row
    /// labels); default 90, widened for long table labels.
    pub margin_left: f64,
    /// All panels share one x range (the union of their data).
    pub shared_x: bool,
    blocks: Vec<Block>,
}

impl Figure {
    /// An empty figure `width` px wide.
    pub fn new(width: f64) -> Self {
        Figure {
            width,
            title: None,
            margin_left: 90.0,
            shared_x: false,
            blocks: Vec::new(),
        }
    }

    /// Sets the title.
    pub fn title(mut self, t: impl Into<String>) -> Self {
        self.title = Some(t.into());
        self
    }

    /// Sets the left margin in px.
    pub fn margin_left(mut self, px: f64) -> Self {
        self.margin_left = px;
        self
    }

    /// Makes all panels use one x range: the union of their data (fixed
    /// ranges on a panel's own axis still win).
    pub fn share_x(mut self) -> Self {
        self.shared_x = true;
        self
    }

    /// Adds a panel below the previous blocks.
    pub fn panel(mut self, p: Panel) -> Self {
        self.blocks.push(Block::Panel(Box::new(p)));
        self
    }

    /// Adds a text table below the previous blocks, aligned to the x axis of
    /// the nearest panel above it (ignored if there is none).
    pub fn table(mut self, t: TextTable) -> Self {
        self.blocks.push(Block::Table(t));
        self
    }

    /// The left margin used: `margin_left`, widened when a table row label
    /// needs more room (about 7 px per character + 30 px).
    pub fn effective_margin_left(&self) -> f64 {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table(t) => Some(t.rows.iter()),
                Block::Panel(_) => None,
            })
            .flatten()
            .map(|r| 7.0 * r.label.chars().count() as f64 + TABLE_LABEL_GAP + 12.0)
            .fold(self.margin_left, f64::max)
    }

    /// Total height in px.
    pub fn height(&self) -> f64 {
        let mut h = if self.title.is_some() {
            FIGURE_TITLE_H
        } else {
            8.0
        };
        for b in &self.blocks {
            h += match b {
                Block::Panel(p) => panel_block_height(p),
                Block::Table(t) => table_height(t),
            };
        }
        h + 8.0
    }

    /// Renders the SVG document.
    pub fn to_svg(&self) -> String {
        let w = self.width;
        let h = self.height();
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">"#,
            num(w),
            num(h),
            num(w),
            num(h)
        );
        let _ = writeln!(
            s,
            r#"<rect x="0" y="0" width="{}" height="{}" fill="white"/>"#,
            num(w),
            num(h)
        );
        let mut top = 8.0;
        if let Some(t) = &self.title {
            let _ = writeln!(
                s,
                r#"<text x="{}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
                num(w / 2.0),
                escape(t)
            );
            top = FIGURE_TITLE_H;
        }
        let shared: Vec<f64> = if self.shared_x {
            self.blocks
                .iter()
                .filter_map(|b| match b {
                    Block::Panel(p) => Some(p.series.iter().flat_map(|s| s.xs())),
                    Block::Table(_) => None,
                })
                .flatten()
                .collect()
        } else {
            Vec::new()
        };
        let (x0, x1) = (self.effective_margin_left(), w - MARGIN_RIGHT);
        let mut last_x: Option<Resolved> = None;
        for (i, b) in self.blocks.iter().enumerate() {
            match b {
                Block::Panel(p) => {
                    let xs: Vec<f64> = if self.shared_x {
                        shared.clone()
                    } else {
                        p.series.iter().flat_map(|s| s.xs()).collect()
                    };
                    let rx = axis::resolve(&p.x, &xs);
                    let ys: Vec<f64> = p
                        .series
                        .iter()
                        .flat_map(|s| s.ys())
                        .chain(p.reference_ys.iter().copied())
                        .collect();
                    let ry = axis::resolve(&p.y, &ys);
                    render_panel(&mut s, i, p, &rx, &ry, x0, x1, top);
                    top += panel_block_height(p);
                    last_x = Some(rx);
                }
                Block::Table(t) => {
                    if let Some(rx) = &last_x {
                        render_table(&mut s, t, rx, x0, x1, top);
                    }
                    top += table_height(t);
                }
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

fn panel_block_height(p: &Panel) -> f64 {
    PANEL_TOP_PAD
        + if p.title.is_some() {
            PANEL_TITLE_H
        } else {
            0.0
        }
        + p.height
        + AXIS_BELOW_H
}

fn table_height(t: &TextTable) -> f64 {
    TABLE_TITLE_H + TABLE_ROW_H * t.rows.len() as f64 + TABLE_PAD
}

/// Formats a coordinate with exactly 2 decimals (never `-0.00`).
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".into() } else { s }
}

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

fn is_marker(s: &Series) -> bool {
    matches!(
        s.kind,
        Kind::Points(_) | Kind::Ticks(_) | Kind::ErrorBars(_)
    )
}

/// Maps data to pixels inside one panel.
struct Map<'a> {
    rx: &'a Resolved,
    ry: &'a Resolved,
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl Map<'_> {
    fn px(&self, x: f64) -> Option<f64> {
        self.rx
            .fraction(x)
            .map(|f| self.x0 + f * (self.x1 - self.x0))
    }
    fn py(&self, y: f64) -> Option<f64> {
        self.ry
            .fraction(y)
            .map(|f| self.y1 - f * (self.y1 - self.y0))
    }
    fn pt(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        Some((self.px(x)?, self.py(y)?))
    }
    /// Like `pt`, but `None` outside the axis ranges (for unclipped markers).
    fn pt_inside(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let inside = |f: f64| (-1e-9..=1.0 + 1e-9).contains(&f);
        if inside(self.rx.fraction(x)?) && inside(self.ry.fraction(y)?) {
            self.pt(x, y)
        } else {
            None
        }
    }
}

/// Path data of a right-continuous step function: `M x0 y0 H x1 V y1 H x2 …
/// H end`. Points that cannot be mapped (e.g. y ≤ 0 on a log axis) break the
/// path.
fn step_path(m: &Map, pts: &[(f64, f64)], end: Option<f64>) -> String {
    let mut d = String::new();
    let mut pen: Option<f64> = None; // current pixel y when the pen is down
    for (i, &(x, y)) in pts.iter().enumerate() {
        let next_x = pts.get(i + 1).map(|p| p.0).or(end);
        match (m.pt(x, y), pen) {
            (Some((px, py)), None) => {
                let _ = write!(d, "M {} {}", num(px), num(py));
                pen = Some(py);
            }
            (Some((px, py)), Some(_)) => {
                let _ = write!(d, " H {} V {}", num(px), num(py));
                pen = Some(py);
            }
            (None, _) => pen = None,
        }
        if let (Some(_), Some(nx)) = (pen, next_x)
            && i + 1 == pts.len()
            && let Some(px) = m.px(nx)
        {
            let _ = write!(d, " H {}", num(px));
        }
    }
    d
}

fn line_path(m: &Map, pts: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let mut down = false;
    for &(x, y) in pts {
        match m.pt(x, y) {
            Some((px, py)) => {
                let _ = write!(
                    d,
                    "{}{} {} {}",
                    if d.is_empty() { "" } else { " " },
                    if down { "L" } else { "M" },
                    num(px),
                    num(py)
                );
                down = true;
            }
            None => down = false,
        }
    }
    d
}

/// Polygon of a band: upper edge forward, lower edge backward.
fn band_path(m: &Map, pts: &[(f64, f64, f64)], stepped: bool, end: Option<f64>) -> String {
    let mut upper: Vec<(f64, f64)> = Vec::new();
    let mut lower: Vec<(f64, f64)> = Vec::new();
    for (i, &(x, lo, hi)) in pts.iter().enumerate() {
        upper.push((x, hi));
        lower.push((x, lo));
        if stepped {
            let next = pts.get(i + 1).map(|p| p.0).or(end);
            if let Some(nx) = next {
                upper.push((nx, hi));
                lower.push((nx, lo));
            }
        }
    }
    let mapped: Option<Vec<(f64, f64)>> = upper
        .iter()
        .chain(lower.iter().rev())
        .map(|&(x, y)| m.pt(x, y))
        .collect();
    let Some(v) = mapped else {
        return String::new(); // a band with an undrawable vertex is omitted
    };
    let mut d = String::new();
    for (i, (px, py)) in v.iter().enumerate() {
        let _ = write!(
            d,
            "{}{} {} {}",
            if i == 0 { "" } else { " " },
            if i == 0 { "M" } else { "L" },
            num(*px),
            num(*py)
        );
    }
    if !d.is_empty() {
        d.push_str(" Z");
    }
    d
}

#[allow(clippy::too_many_arguments)]
fn render_panel(
    s: &mut String,
    index: usize,
    p: &Panel,
    rx: &Resolved,
    ry: &Resolved,
    x0: f64,
    x1: f64,
    top: f64,
) {
    let mut y0 = top + PANEL_TOP_PAD;
    if let Some(t) = &p.title {
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="13" font-weight="bold">{}</text>"#,
            num(x0),
            num(y0 + 14.0),
            escape(t)
        );
        y0 += PANEL_TITLE_H;
    }
    let y1 = y0 + p.height;
    let m = Map {
        rx,
        ry,
        x0,
        x1,
        y0,
        y1,
    };
    let _ = writeln!(s, r#"<g class="panel" id="panel{index}">"#);
    let _ = writeln!(
        s,
        r#"<clipPath id="clip{index}"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath>"#,
        num(x0),
        num(y0),
        num(x1 - x0),
        num(y1 - y0)
    );
    // Grid and tick labels.
    for (v, label) in &rx.ticks {
        if let Some(px) = m.px(*v) {
            let _ = writeln!(
                s,
                r##"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="#e5e5e5"/>"##,
                num(y0),
                num(y1),
                px = num(px)
            );
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                num(px),
                num(y1 + 15.0),
                escape(label)
            );
        }
    }
    for v in &ry.minor {
        if let Some(py) = m.py(*v) {
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="#f2f2f2"/>"##,
                num(x0),
                num(x1),
                py = num(py)
            );
        }
    }
    for v in &rx.minor {
        if let Some(px) = m.px(*v) {
            let _ = writeln!(
                s,
                r##"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="#f2f2f2"/>"##,
                num(y0),
                num(y1),
                px = num(px)
            );
        }
    }
    for (v, label) in &ry.ticks {
        if let Some(py) = m.py(*v) {
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="#e5e5e5"/>"##,
                num(x0),
                num(x1),
                py = num(py)
            );
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                num(x0 - 6.0),
                num(py + 4.0),
                escape(label)
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        num(x0),
        num(y0),
        num(x1 - x0),
        num(y1 - y0)
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        num((x0 + x1) / 2.0),
        num(y1 + 36.0),
        escape(&p.x.label)
    );
    let yc = (y0 + y1) / 2.0;
    let _ = writeln!(
        s,
        r#"<text x="16.00" y="{}" text-anchor="middle" transform="rotate(-90 16.00 {})">{}</text>"#,
        num(yc),
        num(yc),
        escape(&p.y.label)
    );
    // Series.
    let _ = writeln!(s, r#"<g clip-path="url(#clip{index})">"#);
    for r in &p.reference_ys {
        if let Some(py) = m.py(*r) {
            let _ = writeln!(
                s,
                r##"<line x1="{}" y1="{py}" x2="{}" y2="{py}" stroke="#777777" stroke-dasharray="4 3"/>"##,
                num(x0),
                num(x1),
                py = num(py)
            );
        }
    }
    let colors = series_colors(&p.series);
    for (ser, color) in p.series.iter().zip(&colors) {
        if !is_marker(ser) {
            render_series(s, &m, ser, color);
        }
    }
    s.push_str("</g>\n");
    // Markers are not clipped (a point on the frame stays whole); markers
    // outside the axis ranges are skipped instead.
    for (ser, color) in p.series.iter().zip(&colors) {
        if is_marker(ser) {
            render_series(s, &m, ser, color);
        }
    }
    if p.legend {
        render_legend(s, &p.series, &colors, x1, y0);
    }
    s.push_str("</g>\n");
}

/// Palette colours: curves, points and steps advance the palette; a band
/// takes the colour of the next curve; ticks and error bars take the colour
/// of the previous curve. Explicit colours always win.
fn series_colors(series: &[Series]) -> Vec<String> {
    let mut next = 0usize;
    series
        .iter()
        .map(|s| {
            let index = match s.kind {
                Kind::Band { .. } => next,
                Kind::Ticks(_) | Kind::ErrorBars(_) => next.saturating_sub(1),
                _ => {
                    next += 1;
                    next - 1
                }
            };
            s.color
                .clone()
                .unwrap_or_else(|| PALETTE[index % PALETTE.len()].to_string())
        })
        .collect()
}

fn render_series(s: &mut String, m: &Map, ser: &Series, color: &str) {
    let c = escape(color);
    let dash = if ser.dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    match &ser.kind {
        Kind::Points(pts) => {
            for &(x, y) in pts {
                if let Some((px, py)) = m.pt_inside(x, y) {
                    let _ = writeln!(
                        s,
                        r#"<circle cx="{}" cy="{}" r="3.5" fill="{c}" stroke="white" stroke-width="0.8"/>"#,
                        num(px),
                        num(py)
                    );
                }
            }
        }
        Kind::Line(pts) => {
            let d = line_path(m, pts);
            if !d.is_empty() {
                let _ = writeln!(
                    s,
                    r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="1.8"{dash}/>"#
                );
            }
        }
        Kind::Step { points, end } => {
            let d = step_path(m, points, *end);
            if !d.is_empty() {
                let _ = writeln!(
                    s,
                    r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="1.8"{dash}/>"#
                );
            }
        }
        Kind::Band {
            points,
            stepped,
            end,
        } => {
            let d = band_path(m, points, *stepped, *end);
            if !d.is_empty() {
                let _ = writeln!(
                    s,
                    r#"<path d="{d}" fill="{c}" fill-opacity="{}" stroke="none"/>"#,
                    num(ser.opacity)
                );
            }
        }
        Kind::Ticks(pts) => {
            for &(x, y) in pts {
                if let Some((px, py)) = m.pt_inside(x, y) {
                    let _ = writeln!(
                        s,
                        r#"<line x1="{px}" y1="{}" x2="{px}" y2="{}" stroke="{c}" stroke-width="1.5"/>"#,
                        num(py - 5.0),
                        num(py + 5.0),
                        px = num(px)
                    );
                }
            }
        }
        Kind::ErrorBars(pts) => {
            for &(x, lo, hi) in pts {
                if let (Some((px, pl)), Some((_, ph))) = (m.pt_inside(x, lo), m.pt_inside(x, hi)) {
                    let _ = writeln!(
                        s,
                        r#"<path d="M {a} {pl} H {b} M {px} {pl} V {ph} M {a} {ph} H {b}" fill="none" stroke="{c}" stroke-width="1.2"/>"#,
                        a = num(px - 3.0),
                        b = num(px + 3.0),
                        px = num(px),
                        pl = num(pl),
                        ph = num(ph)
                    );
                }
            }
        }
    }
}

fn render_legend(s: &mut String, series: &[Series], colors: &[String], x1: f64, y0: f64) {
    let entries: Vec<(&Series, &String)> = series
        .iter()
        .zip(colors)
        .filter(|(ser, _)| ser.name.is_some())
        .collect();
    if entries.is_empty() {
        return;
    }
    let longest = entries
        .iter()
        .map(|(ser, _)| ser.name.as_deref().unwrap_or("").chars().count())
        .max()
        .unwrap_or(0) as f64;
    let w = 34.0 + 6.8 * longest;
    let h = 8.0 + 16.0 * entries.len() as f64;
    let lx = x1 - w - 8.0;
    let ly = y0 + 8.0;
    let _ = writeln!(s, r#"<g class="legend">"#);
    let _ = writeln!(
        s,
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="white" fill-opacity="0.85" stroke="#bbbbbb"/>"##,
        num(lx),
        num(ly),
        num(w),
        num(h)
    );
    for (i, (ser, color)) in entries.iter().enumerate() {
        let cy = ly + 12.0 + 16.0 * i as f64;
        let c = escape(color);
        let sx = lx + 6.0;
        match ser.kind {
            Kind::Points(_) => {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{}" cy="{}" r="3.5" fill="{c}"/>"#,
                    num(sx + 9.0),
                    num(cy)
                );
            }
            Kind::Band { .. } => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{}" y="{}" width="18.00" height="10.00" fill="{c}" fill-opacity="{}"/>"#,
                    num(sx),
                    num(cy - 5.0),
                    num(ser.opacity)
                );
            }
            Kind::Ticks(_) | Kind::ErrorBars(_) => {
                let _ = writeln!(
                    s,
                    r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="{c}" stroke-width="1.5"/>"#,
                    num(cy - 5.0),
                    num(cy + 5.0),
                    x = num(sx + 9.0)
                );
            }
            Kind::Line(_) | Kind::Step { .. } => {
                let dash = if ser.dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="{c}" stroke-width="1.8"{dash}/>"#,
                    num(sx),
                    num(sx + 18.0),
                    y = num(cy)
                );
            }
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(sx + 24.0),
            num(cy + 4.0),
            escape(ser.name.as_deref().unwrap_or(""))
        );
    }
    s.push_str("</g>\n");
}

fn render_table(s: &mut String, t: &TextTable, rx: &Resolved, x0: f64, x1: f64, top: f64) {
    let _ = writeln!(s, r#"<g class="table">"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-weight="bold">{}</text>"#,
        num(8.0),
        num(top + 14.0),
        escape(&t.title)
    );
    for (i, row) in t.rows.iter().enumerate() {
        let y = top + TABLE_TITLE_H + TABLE_ROW_H * i as f64 + 12.0;
        let fill = row
            .color
            .as_deref()
            .map(|c| format!(r#" fill="{}""#, escape(c)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end"{fill}>{}</text>"#,
            num(x0 - TABLE_LABEL_GAP),
            num(y),
            escape(&row.label)
        );
        for (x, text) in &row.cells {
            if let Some(f) = rx.fraction(*x)
                && (-1e-9..=1.0 + 1e-9).contains(&f)
            {
                let _ = writeln!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                    num(x0 + f * (x1 - x0)),
                    num(y),
                    escape(text)
                );
            }
        }
    }
    s.push_str("</g>\n");
}

#[cfg(test)]
mod tests;
