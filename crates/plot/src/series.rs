//! Data series: what is drawn inside a panel.

/// What a series draws.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A marker (circle) at each (x, y).
    Points(Vec<(f64, f64)>),
    /// A polyline through the (x, y) in order (e.g. a fitted curve).
    Line(Vec<(f64, f64)>),
    /// A right-continuous step function: y = yᵢ on [xᵢ, xᵢ₊₁); drawn as
    /// horizontal segments with vertical risers at each xᵢ₊₁; the last level
    /// runs to `end` if given (e.g. the last follow-up time of a
    /// Kaplan–Meier curve).
    Step {
        /// The (xᵢ, yᵢ) in increasing x.
        points: Vec<(f64, f64)>,
        /// Where the last level ends; `None` = at the last xᵢ.
        end: Option<f64>,
    },
    /// A shaded band between lower and upper values (x, lower, upper),
    /// stepped (right-continuous, like [`Kind::Step`]) or straight.
    Band {
        /// The (x, lower, upper) in increasing x.
        points: Vec<(f64, f64, f64)>,
        /// Right-continuous steps (Kaplan–Meier CI) or straight segments.
        stepped: bool,
        /// Where the last step ends (stepped bands only).
        end: Option<f64>,
    },
    /// Short vertical tick marks at (x, y), e.g. censoring marks.
    Ticks(Vec<(f64, f64)>),
    /// Vertical error bars (x, lower, upper).
    ErrorBars(Vec<(f64, f64, f64)>),
}

/// A named, styled series. Build with the constructors, then style with
/// [`Series::color`], [`Series::dashed`], [`Series::opacity`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend entry; `None` = not in the legend.
    pub name: Option<String>,
    /// What to draw.
    pub kind: Kind,
    /// CSS colour; `None` = the panel's palette (see [`crate::PALETTE`]).
    pub color: Option<String>,
    /// Dashed stroke (lines, steps).
    pub dashed: bool,
    /// Fill opacity of bands (default 0.2).
    pub opacity: f64,
}

fn name(n: &str) -> Option<String> {
    (!n.is_empty()).then(|| n.to_string())
}

impl Series {
    fn new(n: &str, kind: Kind) -> Self {
        Series {
            name: name(n),
            kind,
            color: None,
            dashed: false,
            opacity: 0.2,
        }
    }

    /// Markers at (x, y). An empty `name` keeps it out of the legend.
    pub fn points(name: &str, xy: Vec<(f64, f64)>) -> Self {
        Self::new(name, Kind::Points(xy))
    }

    /// A polyline through (x, y).
    pub fn line(name: &str, xy: Vec<(f64, f64)>) -> Self {
        Self::new(name, Kind::Line(xy))
    }

    /// A right-continuous step function through (x, y), the last level ending
    /// at `end` (or at the last x).
    pub fn step(name: &str, xy: Vec<(f64, f64)>, end: Option<f64>) -> Self {
        Self::new(name, Kind::Step { points: xy, end })
    }

    /// A shaded band (x, lower, upper); `stepped` for a right-continuous band.
    pub fn band(name: &str, xlu: Vec<(f64, f64, f64)>, stepped: bool, end: Option<f64>) -> Self {
        Self::new(
            name,
            Kind::Band {
                points: xlu,
                stepped,
                end,
            },
        )
    }

    /// Tick marks at (x, y) (censoring marks).
    pub fn ticks(name: &str, xy: Vec<(f64, f64)>) -> Self {
        Self::new(name, Kind::Ticks(xy))
    }

    /// Vertical error bars (x, lower, upper).
    pub fn error_bars(name: &str, xlu: Vec<(f64, f64, f64)>) -> Self {
        Self::new(name, Kind::ErrorBars(xlu))
    }

    /// Sets the colour (any CSS colour, e.g. `#0072B2`).
    pub fn color(mut self, c: &str) -> Self {
        self.color = Some(c.to_string());
        self
    }

    /// Dashed stroke.
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }

    /// Band fill opacity in \[0, 1\].
    pub fn opacity(mut self, o: f64) -> Self {
        self.opacity = o.clamp(0.0, 1.0);
        self
    }

    /// All x values (for axis ranges).
    pub(crate) fn xs(&self) -> Vec<f64> {
        match &self.kind {
            Kind::Points(p) | Kind::Line(p) | Kind::Ticks(p) => p.iter().map(|q| q.0).collect(),
            Kind::Step { points, end } => points
                .iter()
                .map(|q| q.0)
                .chain(end.iter().copied())
                .collect(),
            Kind::Band { points, end, .. } => points
                .iter()
                .map(|q| q.0)
                .chain(end.iter().copied())
                .collect(),
            Kind::ErrorBars(p) => p.iter().map(|q| q.0).collect(),
        }
    }

    /// All y values (for axis ranges).
    pub(crate) fn ys(&self) -> Vec<f64> {
        match &self.kind {
            Kind::Points(p) | Kind::Line(p) | Kind::Ticks(p) => p.iter().map(|q| q.1).collect(),
            Kind::Step { points, .. } => points.iter().map(|q| q.1).collect(),
            Kind::Band { points, .. } | Kind::ErrorBars(points) => {
                points.iter().flat_map(|q| [q.1, q.2]).collect()
            }
        }
    }
}
