//! The picture writer produces files that parse: SVG as XML with the right size, texts
//! and one drawn path per series; PNG as an image of the announced size whose pixels
//! show the series colours. Bad requests are refused with typed errors.

use piggyback::plot::{
    self, Band, Figure, LineChart, LineStyle, Panel, PathChart, RefLine, Scale, Series,
};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piggyback-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sample_figure() -> Figure {
    let mut c = LineChart::new(
        "Linear rates",
        "iteration t",
        "error",
        Scale::Linear,
        Scale::Log,
    );
    c.series.push(Series {
        label: "half".into(),
        points: (0..30).map(|t| (t as f64, 0.5f64.powi(t))).collect(),
        style: LineStyle::solid(0),
    });
    c.series.push(Series {
        label: "nine tenths".into(),
        points: (0..30).map(|t| (t as f64, 0.9f64.powi(t))).collect(),
        style: LineStyle::dashed(1).with_markers(),
    });
    c.bands.push(Band {
        label: Some("bound".into()),
        x: (0..30).map(|t| t as f64).collect(),
        lower: (0..30).map(|t| 0.4f64.powi(t)).collect(),
        upper: (0..30).map(|t| 0.6f64.powi(t)).collect(),
        color: 0,
    });
    c.vlines.push(RefLine {
        at: 10.0,
        label: "support found".into(),
        color: 6,
    });
    let path = Panel::Path(PathChart {
        title: "Descent".into(),
        x_label: "log λ₁".into(),
        y_label: "log λ₂".into(),
        grid_x: vec![0.0, 1.0, 2.0],
        grid_y: vec![0.0, 1.0],
        z: vec![vec![1.0, 2.0, 3.0], vec![2.0, 3.0, 4.0]],
        z_label: "loss".into(),
        path: vec![(2.0, 1.0), (1.0, 0.5), (0.2, 0.1)],
        path_label: "path".into(),
    });
    Figure {
        panels: vec![Panel::Line(c), path],
        columns: 2,
        panel_size: (400, 300),
    }
}

#[test]
fn svg_parses_with_size_texts_and_series() {
    let fig = sample_figure();
    let path = scratch("sample.svg");
    plot::write_figure(&fig, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("800"));
    assert_eq!(root.attribute("height"), Some("300"));
    let texts: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for want in [
        "Linear rates",
        "iteration t",
        "error",
        "half",
        "nine tenths",
        "bound",
        "support found",
        "Descent",
        "log λ₁",
        "start",
        "end",
    ] {
        assert!(
            texts.iter().any(|t| t == want),
            "missing text {want:?} in {texts:?}"
        );
    }
    // The solid series is one polyline of 30 points in the first colour.
    let blue = "#0072B2";
    let lines: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| n.attribute("stroke") == Some(blue))
        .filter(|n| {
            n.attribute("points")
                .is_some_and(|p| p.split_whitespace().count() == 30)
        })
        .collect();
    assert_eq!(lines.len(), 1, "one 30-point blue polyline");
    // The band is a filled polygon.
    assert!(root.descendants().any(|n| n.has_tag_name("polygon")));
}

#[test]
fn png_decodes_to_the_announced_size_with_the_series_colours() {
    let fig = sample_figure();
    let path = scratch("sample.png");
    plot::write_figure(&fig, &path).unwrap();
    let decoder = png::Decoder::new(std::fs::File::open(&path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), fig.size());
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let px = &buf[..info.buffer_size()];
    let count = |rgb: [u8; 3]| px.chunks_exact(3).filter(|c| *c == rgb).count();
    assert!(count([0, 114, 178]) > 50, "blue series drawn");
    assert!(count([213, 94, 0]) > 20, "vermillion series drawn");
    let dark = px
        .chunks_exact(3)
        .filter(|c| c.iter().all(|v| *v < 60))
        .count();
    assert!(dark > 200, "text and axes drawn (dark pixels: {dark})");
}

#[test]
fn bad_requests_are_refused() {
    let fig = sample_figure();
    let e = plot::write_figure(&fig, &scratch("sample.pdf")).unwrap_err();
    assert!(e.to_string().contains(".svg or .png"), "{e}");
    let empty = Figure {
        panels: vec![],
        columns: 1,
        panel_size: (400, 300),
    };
    assert!(plot::render_svg(&empty).is_err());
    let mut c = LineChart::new("t", "x", "y", Scale::Linear, Scale::Linear);
    c.bands.push(Band {
        label: None,
        x: vec![0.0, 1.0],
        lower: vec![0.0],
        upper: vec![1.0, 2.0],
        color: 0,
    });
    assert!(plot::render_svg(&Figure::single(Panel::Line(c))).is_err());
    let nodata = LineChart::new("t", "x", "y", Scale::Linear, Scale::Log);
    assert!(plot::render_svg(&Figure::single(Panel::Line(nodata))).is_err());
}

#[test]
fn log_axis_skips_non_positive_values() {
    let mut c = LineChart::new("t", "x", "y", Scale::Linear, Scale::Log);
    c.series.push(Series {
        label: "s".into(),
        points: vec![(0.0, 1.0), (1.0, 0.0), (2.0, -1.0), (3.0, 1e-3)],
        style: LineStyle::solid(0),
    });
    let svg = plot::render_svg(&Figure::single(Panel::Line(c))).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let spans: Vec<(usize, f64)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke") == Some("#0072B2"))
        .filter_map(|n| n.attribute("points"))
        .map(|p| {
            let xs: Vec<f64> = p
                .split_whitespace()
                .map(|xy| xy.split(',').next().unwrap().parse().unwrap())
                .collect();
            let span = xs.iter().cloned().fold(f64::MIN, f64::max)
                - xs.iter().cloned().fold(f64::MAX, f64::min);
            (xs.len(), span)
        })
        .collect();
    // The series (wide) and its legend sample (20 px): the series keeps 2 of 4 points.
    assert!(
        spans.iter().any(|&(k, w)| k == 2 && w > 300.0),
        "only the two positive points are drawn: {spans:?}"
    );
    assert!(spans.iter().all(|&(k, _)| k <= 2), "{spans:?}");
}
