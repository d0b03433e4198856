//! Pictures: line charts (linear or logarithmic axes) with error bands and markers, and
//! a path over a heat map, drawn with `plotters` into SVG or PNG files.
//!
//! A [`Figure`] is a grid of panels; [`write_figure`] picks the format from the file
//! extension (`.svg` or `.png`). The PNG backend draws text with a font embedded in
//! the library (a subset of DejaVu Sans, `assets/fonts/`), so no system font is
//! needed; SVG files name the family `sans-serif` and let the viewer choose.
//!
//! On a logarithmic axis, values `≤ 0` cannot be drawn: a series skips them, and a
//! band's lower edge at or below the axis minimum is drawn at the axis minimum (the
//! legend of a band says so where it matters).

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Font embedded for raster output (see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-subset.ttf");
static FONT_ONCE: Once = Once::new();

/// The family name every text style uses.
const FAMILY: &str = "sans-serif";

fn register_font() {
    FONT_ONCE.call_once(|| {
        // invariant: the embedded font is a valid TrueType file (checked by the
        // `embedded_font_parses` test); a failure would only leave text undrawn.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Axis scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (for rates: a linear rate is a straight line).
    Log,
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineStyle {
    /// Index into the palette ([`color`]).
    pub color: usize,
    /// Dashed line.
    pub dashed: bool,
    /// Draw a small circle at every point.
    pub markers: bool,
}

impl LineStyle {
    /// A solid line of palette colour `color`.
    pub fn solid(color: usize) -> Self {
        LineStyle {
            color,
            dashed: false,
            markers: false,
        }
    }
    /// A dashed line of palette colour `color`.
    pub fn dashed(color: usize) -> Self {
        LineStyle {
            color,
            dashed: true,
            markers: false,
        }
    }
    /// With markers at the points.
    pub fn with_markers(mut self) -> Self {
        self.markers = true;
        self
    }
}

/// A labelled polyline.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Points `(x, y)`, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Style.
    pub style: LineStyle,
}

/// A shaded region between two curves on the same abscissae.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// Legend text (`None`: no legend entry).
    pub label: Option<String>,
    /// Abscissae.
    pub x: Vec<f64>,
    /// Lower edge.
    pub lower: Vec<f64>,
    /// Upper edge.
    pub upper: Vec<f64>,
    /// Palette colour.
    pub color: usize,
}

/// A vertical or horizontal reference line with a label.
#[derive(Clone, Debug, PartialEq)]
pub struct RefLine {
    /// Position on its axis.
    pub at: f64,
    /// Text drawn next to it.
    pub label: String,
    /// Palette colour.
    pub color: usize,
}

/// Where the legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegendAt {
    /// Upper right corner.
    UpperRight,
    /// Lower left corner.
    LowerLeft,
    /// Lower right corner.
    LowerRight,
    /// Upper left corner.
    UpperLeft,
}

/// A line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Caption above the chart.
    pub title: String,
    /// Horizontal axis description.
    pub x_label: String,
    /// Vertical axis description.
    pub y_label: String,
    /// Horizontal scale.
    pub x_scale: Scale,
    /// Vertical scale.
    pub y_scale: Scale,
    /// Curves.
    pub series: Vec<Series>,
    /// Shaded bands (drawn below the curves).
    pub bands: Vec<Band>,
    /// Vertical reference lines.
    pub vlines: Vec<RefLine>,
    /// Horizontal reference lines.
    pub hlines: Vec<RefLine>,
    /// Legend position.
    pub legend: LegendAt,
    /// Smallest value drawn on a logarithmic vertical axis (`None`: from the data).
    pub y_floor: Option<f64>,
}

impl LineChart {
    /// An empty chart with the given texts and scales.
    pub fn new(title: &str, x_label: &str, y_label: &str, x_scale: Scale, y_scale: Scale) -> Self {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_scale,
            y_scale,
            series: vec![],
            bands: vec![],
            vlines: vec![],
            hlines: vec![],
            legend: LegendAt::UpperRight,
            y_floor: None,
        }
    }
}

/// A path in the plane drawn over a heat map of a function on a grid.
#[derive(Clone, Debug, PartialEq)]
pub struct PathChart {
    /// Caption.
    pub title: String,
    /// Horizontal axis description.
    pub x_label: String,
    /// Vertical axis description.
    pub y_label: String,
    /// Grid abscissae (cell centres, increasing).
    pub grid_x: Vec<f64>,
    /// Grid ordinates (cell centres, increasing).
    pub grid_y: Vec<f64>,
    /// Values `z[i][j]` at `(grid_x[j], grid_y[i])`.
    pub z: Vec<Vec<f64>>,
    /// What the colours mean (legend text).
    pub z_label: String,
    /// The path, in order; its first point is marked as the start, its last as the end.
    pub path: Vec<(f64, f64)>,
    /// Legend text of the path.
    pub path_label: String,
}

/// One panel of a figure.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Panel {
    /// A line chart.
    Line(LineChart),
    /// A path over a heat map.
    Path(PathChart),
}

/// Panels laid out in a grid, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// The panels.
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// Size of one panel in pixels (SVG user units).
    pub panel_size: (u32, u32),
}

impl Figure {
    /// One panel of the default size.
    pub fn single(panel: Panel) -> Self {
        Figure {
            panels: vec![panel],
            columns: 1,
            panel_size: (800, 520),
        }
    }
    /// Total size in pixels.
    pub fn size(&self) -> (u32, u32) {
        let cols = self.columns.max(1).min(self.panels.len().max(1));
        let rows = self.panels.len().div_ceil(cols).max(1);
        (
            self.panel_size.0 * cols as u32,
            self.panel_size.1 * rows as u32,
        )
    }
}

/// The palette: colour-blind-safe (Okabe–Ito) then greys.
pub fn color(i: usize) -> RGBColor {
    const P: [RGBColor; 8] = [
        RGBColor(0, 114, 178),   // blue
        RGBColor(213, 94, 0),    // vermillion
        RGBColor(0, 158, 115),   // bluish green
        RGBColor(204, 121, 167), // reddish purple
        RGBColor(230, 159, 0),   // orange
        RGBColor(86, 180, 233),  // sky blue
        RGBColor(90, 90, 90),    // dark grey
        RGBColor(0, 0, 0),       // black
    ];
    P[i % P.len()]
}

fn draw_err(e: impl std::fmt::Display) -> Error {
    Error::Io {
        action: "draw",
        path: "the picture".into(),
        kind: std::io::ErrorKind::Other,
        message: e.to_string(),
    }
}

/// Output format of a file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// SVG (vector).
    Svg,
    /// PNG (raster).
    Png,
}

impl Format {
    /// From the extension of `path` (`.svg`, `.png`, case-insensitive).
    pub fn of(path: &Path) -> Result<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(Error::parameter(
                "the picture's file name",
                path.display(),
                "a name ending in .svg or .png",
            )),
        }
    }
}

/// Draw `fig` into `path` (SVG or PNG by extension).
pub fn write_figure(fig: &Figure, path: &Path) -> Result<()> {
    validate(fig)?;
    register_font();
    let size = fig.size();
    match Format::of(path)? {
        Format::Svg => {
            let svg = render_svg(fig)?;
            std::fs::write(path, svg).map_err(|e| Error::io("write", path.display(), &e))
        }
        Format::Png => {
            let root = BitMapBackend::new(path, size).into_drawing_area();
            draw_figure(&root, fig)?;
            root.present().map_err(draw_err)
        }
    }
}

/// The SVG text of `fig`.
pub fn render_svg(fig: &Figure) -> Result<String> {
    validate(fig)?;
    register_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        draw_figure(&root, fig)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Refuse figures that cannot be drawn: no panel, a zero size, non-finite data.
fn validate(fig: &Figure) -> Result<()> {
    if fig.panels.is_empty() || fig.columns == 0 || fig.panel_size.0 < 50 || fig.panel_size.1 < 50 {
        return Err(Error::parameter(
            "the figure's layout",
            format!(
                "{} panels, {} columns, panels of {}×{}",
                fig.panels.len(),
                fig.columns,
                fig.panel_size.0,
                fig.panel_size.1
            ),
            "at least one panel, one column and panels of at least 50×50",
        ));
    }
    for p in &fig.panels {
        match p {
            Panel::Line(c) => {
                let mut any = false;
                for s in &c.series {
                    any |= !s.points.is_empty();
                }
                for b in &c.bands {
                    if b.x.len() != b.lower.len() || b.x.len() != b.upper.len() {
                        return Err(Error::DimensionMismatch {
                            op: "plot band (x, lower, upper)",
                            left: (b.x.len(), b.lower.len()),
                            right: (b.upper.len(), 1),
                        });
                    }
                    any |= !b.x.is_empty();
                }
                if !any {
                    return Err(Error::Empty {
                        what: format!("the data of chart {:?}", c.title),
                    });
                }
            }
            Panel::Path(c) => {
                if c.path.is_empty() {
                    return Err(Error::Empty {
                        what: format!("the path of chart {:?}", c.title),
                    });
                }
                if let Some(bad) = c.z.iter().find(|r| r.len() != c.grid_x.len()) {
                    return Err(Error::DimensionMismatch {
                        op: "path chart grid values (rows of z vs grid_y, grid_x)",
                        left: (c.grid_y.len(), c.grid_x.len()),
                        right: (c.z.len(), bad.len()),
                    });
                }
                if c.z.len() != c.grid_y.len() {
                    return Err(Error::DimensionMismatch {
                        op: "path chart grid values (rows of z vs grid_y, grid_x)",
                        left: (c.grid_y.len(), c.grid_x.len()),
                        right: (c.z.len(), c.grid_x.len()),
                    });
                }
                if c.path
                    .iter()
                    .any(|(a, b)| !(a.is_finite() && b.is_finite()))
                {
                    return Err(Error::NonFinite {
                        context: format!("path chart {:?}: path", c.title),
                    });
                }
            }
        }
    }
    Ok(())
}

fn draw_figure<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    root.fill(&WHITE).map_err(draw_err)?;
    let cols = fig.columns.min(fig.panels.len()).max(1);
    let rows = fig.panels.len().div_ceil(cols);
    let areas = root.split_evenly((rows, cols));
    for (panel, area) in fig.panels.iter().zip(areas.iter()) {
        match panel {
            Panel::Line(c) => draw_line_chart(area, c)?,
            Panel::Path(c) => draw_path_chart(area, c)?,
        }
    }
    Ok(())
}

/// `[lo, hi]` of the finite values (positive only on a log axis), padded.
fn axis_range(values: impl Iterator<Item = f64>, scale: Scale, floor: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if v.is_finite() && (scale == Scale::Linear || v > 0.0) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if let (Scale::Log, Some(f)) = (scale, floor) {
        lo = lo.max(f);
    }
    if !(lo.is_finite() && hi.is_finite()) {
        return match scale {
            Scale::Linear => (0.0, 1.0),
            Scale::Log => (1e-3, 1.0),
        };
    }
    match scale {
        Scale::Linear => {
            let pad = if hi > lo {
                0.04 * (hi - lo)
            } else {
                lo.abs().max(1.0) * 0.1
            };
            (lo - pad, hi + pad)
        }
        Scale::Log => {
            if hi <= lo {
                (lo / 10.0, hi * 10.0)
            } else {
                (lo / 1.5, hi * 1.5)
            }
        }
    }
}

fn draw_line_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &LineChart) -> Result<()> {
    let xs = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(c.bands.iter().flat_map(|b| b.x.iter().copied()));
    let (x0, x1) = axis_range(xs, c.x_scale, None);
    let ys = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(
            c.bands
                .iter()
                .flat_map(|b| b.lower.iter().chain(b.upper.iter()).copied()),
        )
        .chain(c.hlines.iter().map(|h| h.at));
    let (y0, y1) = axis_range(ys, c.y_scale, c.y_floor);
    let spans = (x1 - x0, (y0, y1));
    match (c.x_scale, c.y_scale) {
        (Scale::Linear, Scale::Linear) => chart_on(area, c, x0..x1, y0..y1, spans),
        (Scale::Linear, Scale::Log) => chart_on(area, c, x0..x1, (y0..y1).log_scale(), spans),
        (Scale::Log, Scale::Linear) => chart_on(area, c, (x0..x1).log_scale(), y0..y1, spans),
        (Scale::Log, Scale::Log) => {
            chart_on(area, c, (x0..x1).log_scale(), (y0..y1).log_scale(), spans)
        }
    }
}

/// Tick label on a linear axis of width `span`: values below `1e-9·span` are 0
/// (a tick computed as `0.1 − 0.1` prints as 0, not `5.6e-17`).
fn tick_linear(v: f64, span: f64) -> String {
    if v.abs() <= 1e-9 * span.abs() {
        "0".into()
    } else {
        tick(v)
    }
}

/// Tick label: plain for moderate magnitudes, scientific otherwise.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-3..1e4).contains(&a) {
        let s = format!("{v:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    } else {
        let e = a.log10().floor() as i32;
        let m = v / 10f64.powi(e);
        if (m.abs() - 1.0).abs() < 1e-9 {
            format!("{}1e{e}", if v < 0.0 { "-" } else { "" })
        } else {
            format!("{m:.1}e{e}")
        }
    }
}

fn tick_on(v: f64, scale: Scale, span: f64) -> String {
    match scale {
        Scale::Linear => tick_linear(v, span),
        Scale::Log => tick(v),
    }
}

fn chart_on<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    c: &LineChart,
    xr: X,
    yr: Y,
    (xspan0, (y0, y1)): (f64, (f64, f64)),
) -> Result<()>
where
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    X::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let yspan0 = y1 - y0;
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(70)
        .build_cartesian_2d(xr, yr)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .x_label_formatter(&|v| tick_on(*v, c.x_scale, xspan0))
        .y_label_formatter(&|v| tick_on(*v, c.y_scale, yspan0))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()
        .map_err(draw_err)?;
    let clamp = |v: f64| {
        if c.y_scale == Scale::Log && (v.is_nan() || v <= y0) {
            y0
        } else {
            v
        }
    };
    for b in &c.bands {
        let col = color(b.color);
        let mut poly: Vec<(f64, f64)> =
            b.x.iter()
                .zip(&b.upper)
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|(x, y)| (*x, clamp(*y)))
                .collect();
        poly.extend(
            b.x.iter()
                .zip(&b.lower)
                .rev()
                .filter(|(x, y)| x.is_finite() && !y.is_nan())
                .map(|(x, y)| (*x, clamp(*y))),
        );
        let drawn = chart
            .draw_series(std::iter::once(Polygon::new(poly, col.mix(0.22).filled())))
            .map_err(draw_err)?;
        if let Some(l) = &b.label {
            drawn.label(l.as_str()).legend(move |(x, y)| {
                Rectangle::new([(x, y - 5), (x + 20, y + 5)], col.mix(0.35).filled())
            });
        }
    }
    for s in &c.series {
        let col = color(s.style.color);
        let style = ShapeStyle::from(&col).stroke_width(2);
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| {
                x.is_finite()
                    && y.is_finite()
                    && (c.y_scale == Scale::Linear || *y > 0.0)
                    && (c.x_scale == Scale::Linear || *x > 0.0)
            })
            .collect();
        let drawn = if s.style.dashed {
            chart
                .draw_series(DashedLineSeries::new(pts.clone(), 7, 5, style))
                .map_err(draw_err)?
        } else {
            chart
                .draw_series(LineSeries::new(pts.clone(), style))
                .map_err(draw_err)?
        };
        let dashed = s.style.dashed;
        drawn.label(s.label.as_str()).legend(move |(x, y)| {
            if dashed {
                PathElement::new(vec![(x, y), (x + 8, y)], style)
            } else {
                PathElement::new(vec![(x, y), (x + 20, y)], style)
            }
        });
        if s.style.markers {
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, col.filled())))
                .map_err(draw_err)?;
        }
    }
    let (xspan, yspan) = {
        let r = chart.plotting_area().get_x_range();
        let s = chart.plotting_area().get_y_range();
        (r, s)
    };
    // Reference lines: vertical ones span the y range with the label at the top,
    // horizontal ones span the x range with the label at the left.
    let vertical = c.vlines.iter().map(|v| {
        let ends = vec![(v.at, yspan.start), (v.at, yspan.end)];
        (v, ends, 4, (v.at, yspan.end))
    });
    let horizontal = c.hlines.iter().map(|h| {
        let ends = vec![(xspan.start, h.at), (xspan.end, h.at)];
        (h, ends, 3, (xspan.start, h.at))
    });
    for (line, ends, dash, label_at) in vertical.chain(horizontal) {
        let col = color(line.color);
        let style = ShapeStyle::from(&col).stroke_width(1);
        chart
            .draw_series(DashedLineSeries::new(ends, dash, dash, style))
            .map_err(draw_err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                line.label.clone(),
                label_at,
                (FAMILY, 12).into_font().color(&col),
            )))
            .map_err(draw_err)?;
    }
    let pos = match c.legend {
        LegendAt::UpperRight => SeriesLabelPosition::UpperRight,
        LegendAt::LowerLeft => SeriesLabelPosition::LowerLeft,
        LegendAt::LowerRight => SeriesLabelPosition::LowerRight,
        LegendAt::UpperLeft => SeriesLabelPosition::UpperLeft,
    };
    chart
        .configure_series_labels()
        .position(pos)
        .label_font((FAMILY, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

/// Map `t ∈ [0, 1]` to a light-to-dark blue ramp (low values light).
fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(247.0, 8.0), lerp(251.0, 48.0), lerp(255.0, 107.0))
}

fn draw_path_chart<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, c: &PathChart) -> Result<()> {
    let edges = |g: &[f64]| -> Vec<f64> {
        // Cell edges halfway between centres (one cell of half-width on the outside).
        let n = g.len();
        let mut e = Vec::with_capacity(n + 1);
        if n == 1 {
            return vec![g[0] - 0.5, g[0] + 0.5];
        }
        e.push(g[0] - 0.5 * (g[1] - g[0]));
        for i in 0..n - 1 {
            e.push(0.5 * (g[i] + g[i + 1]));
        }
        e.push(g[n - 1] + 0.5 * (g[n - 1] - g[n - 2]));
        e
    };
    let (ex, ey) = (edges(&c.grid_x), edges(&c.grid_y));
    let (mut x0, mut x1) = (ex[0], ex[ex.len() - 1]);
    let (mut y0, mut y1) = (ey[0], ey[ey.len() - 1]);
    if c.grid_x.is_empty() || c.grid_y.is_empty() {
        let (a, b) = axis_range(c.path.iter().map(|p| p.0), Scale::Linear, None);
        let (d, e) = axis_range(c.path.iter().map(|p| p.1), Scale::Linear, None);
        (x0, x1, y0, y1) = (a, b, d, e);
    }
    for &(px, py) in &c.path {
        x0 = x0.min(px);
        x1 = x1.max(px);
        y0 = y0.min(py);
        y1 = y1.max(py);
    }
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, (FAMILY, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .axis_desc_style((FAMILY, 16))
        .label_style((FAMILY, 13))
        .x_label_formatter(&|v| tick_linear(*v, x1 - x0))
        .y_label_formatter(&|v| tick_linear(*v, y1 - y0))
        .draw()
        .map_err(draw_err)?;
    let finite = c.z.iter().flatten().copied().filter(|v| v.is_finite());
    let (zlo, zhi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let zspan = if zhi > zlo { zhi - zlo } else { 1.0 };
    let mut cells = Vec::new();
    for (i, row) in c.z.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            cells.push(Rectangle::new(
                [(ex[j], ey[i]), (ex[j + 1], ey[i + 1])],
                ramp((v - zlo) / zspan).filled(),
            ));
        }
    }
    if !cells.is_empty() {
        chart
            .draw_series(cells)
            .map_err(draw_err)?
            .label(format!("{} ({} to {})", c.z_label, tick(zlo), tick(zhi)))
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], ramp(0.6).filled()));
    }
    let col = color(1);
    let style = ShapeStyle::from(&col).stroke_width(2);
    chart
        .draw_series(LineSeries::new(c.path.clone(), style))
        .map_err(draw_err)?
        .label(c.path_label.as_str())
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    chart
        .draw_series(c.path.iter().map(|p| Circle::new(*p, 3, col.filled())))
        .map_err(draw_err)?;
    let start = c.path[0];
    let end = c.path[c.path.len() - 1];
    // Start: a ring; end: a filled disc; each labelled a few pixels to its upper right.
    let ring = ShapeStyle::from(&BLACK).stroke_width(2);
    let label = |text: &str| Text::new(text.to_string(), (9, -16), (FAMILY, 14).into_font());
    chart
        .draw_series(std::iter::once(
            EmptyElement::at(start) + Circle::new((0, 0), 7, ring) + label("start"),
        ))
        .map_err(draw_err)?;
    chart
        .draw_series(std::iter::once(
            EmptyElement::at(end) + Circle::new((0, 0), 6, BLACK.filled()) + label("end"),
        ))
        .map_err(draw_err)?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FAMILY, 13))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_font_parses() {
        assert!(plotters::style::register_font("test-family", FontStyle::Normal, FONT).is_ok());
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(1e-7), "1e-7");
        assert_eq!(tick(2.5e-7), "2.5e-7");
        assert_eq!(tick(100.0), "100");
    }
}
