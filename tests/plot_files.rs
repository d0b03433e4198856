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

// ---------------------------------------------------------------------------------------
// The data behind the pictures of `piggyback plot`, checked against independent
// computations.

mod picture_data {
    use piggyback::experiments::data::{sparse_regression, RegressionSpec};
    use piggyback::experiments::pictures::{
        heavy_ball_run, hypergrad_data_spec, hypergrad_landscape, EnetTask,
    };
    use rug::Rational;

    type Mat = [[Rational; 2]; 2];

    fn r(p: i64, q: i64) -> Rational {
        Rational::from((p, q))
    }

    /// `M₁ = [[3/4, −3/4], [1, 0]]`, `M₂ = [[3/2, −3/4], [1, 0]]` (docs/mathematics.md §5),
    /// written out here, not taken from the crate.
    fn vertices() -> [Mat; 2] {
        [
            [[r(3, 4), r(-3, 4)], [r(1, 1), r(0, 1)]],
            [[r(3, 2), r(-3, 4)], [r(1, 1), r(0, 1)]],
        ]
    }

    /// `M j + (1, 0)`, exactly.
    fn step(m: &Mat, j: &[Rational; 2]) -> [Rational; 2] {
        [
            Rational::from(&m[0][0] * &j[0]) + Rational::from(&m[0][1] * &j[1]) + 1u32,
            Rational::from(&m[1][0] * &j[0]) + Rational::from(&m[1][1] * &j[1]),
        ]
    }

    fn norm(j: &[Rational; 2]) -> f64 {
        (Rational::from(&j[0] * &j[0]) + Rational::from(&j[1] * &j[1]))
            .to_f64()
            .sqrt()
    }

    #[test]
    fn heavy_ball_set_norms_grow_while_each_single_recursion_converges() {
        let t_max = 160;
        let run = heavy_ball_run(t_max, 64).unwrap();
        assert_eq!(run.set_norms.len(), t_max + 1);
        let [m1, m2] = vertices();

        // Exact sets for small t (every word of length t over {M₁, M₂}): up to 2⁶ = 64
        // members the kept set is the whole set, so the picture's value is its supremum;
        // after that it is a lower bound of it.
        let mut exact: Vec<[Rational; 2]> = vec![[r(0, 1), r(0, 1)]];
        for t in 1..=11 {
            exact = exact
                .iter()
                .flat_map(|j| [step(&m1, j), step(&m2, j)])
                .collect();
            let sup = exact.iter().map(norm).fold(0.0, f64::max);
            let got = run.set_norms[t];
            if t <= 6 {
                assert!((got - sup).abs() <= 1e-12 * sup, "t = {t}: {got} vs {sup}");
            } else {
                assert!(
                    got <= sup * (1.0 + 1e-12),
                    "t = {t}: {got} > exact sup {sup}"
                );
            }
        }

        // The true sets are unbounded: the element of J_t along the periodic word
        // M₁M₁M₂M₂… (whose 4-step product has the eigenvalue −9/8), computed exactly,
        // grows; the picture's lower bound grows as well.
        let mut j = [r(0, 1), r(0, 1)];
        let mut word_norms = vec![0.0];
        for t in 0..t_max {
            j = step(if t % 4 < 2 { &m2 } else { &m1 }, &j);
            word_norms.push(norm(&j));
        }
        // Per period of 4 steps the norm grows by about 9/8 (the eigenvalue of the
        // period's product): a factor ≥ 10 over the 30 periods from t = 40 to 160.
        let peak = |t: usize| word_norms[t - 3..=t].iter().cloned().fold(0.0, f64::max);
        assert!(peak(t_max) > 10.0 * peak(40), "{word_norms:?}");
        assert!(peak(t_max) > 80.0, "{word_norms:?}");
        assert!(run.set_norms[t_max] > 1e3, "{}", run.set_norms[t_max]);
        assert!(run.set_norms[t_max] > 20.0 * run.set_norms[40]);
        for t in (40..t_max).step_by(10) {
            assert!(run.set_norms[t + 10] > run.set_norms[t], "t = {t}");
        }

        // Each single recursion J ← Mᵢ J + B, exactly: the picture's norms agree, and the
        // iterates converge to the closed forms (I − M₁)⁻¹B = (1, 1), (I − M₂)⁻¹B = (4, 4).
        let limits = [[1.0, 1.0], [4.0, 4.0]];
        for (k, m) in [&m1, &m2].into_iter().enumerate() {
            for (a, b) in run.limits[k].iter().zip(limits[k]) {
                assert!((a - b).abs() < 1e-12, "{:?}", run.limits[k]);
            }
            let mut j = [r(0, 1), r(0, 1)];
            for t in 1..=t_max {
                j = step(m, &j);
                let want = norm(&j);
                assert!(
                    (run.single_norms[k][t] - want).abs() <= 1e-12 * want,
                    "M{}: t = {t}",
                    k + 1
                );
                let lim = [r(limits[k][0] as i64, 1), r(limits[k][1] as i64, 1)];
                let err = [
                    Rational::from(&j[0] - &lim[0]),
                    Rational::from(&j[1] - &lim[1]),
                ];
                let want = norm(&err);
                // f64 iterates carry rounding errors of about 1e-16 × ‖J_t‖ per step;
                // their distance to the limit loses them to cancellation.
                assert!(
                    (run.single_errors[k][t] - want).abs() <= 1e-13 + 1e-9 * want,
                    "M{}: t = {t}: {} vs {want}",
                    k + 1,
                    run.single_errors[k][t]
                );
            }
            // Spectral radius √3/2: (√3/2)^160 ≈ 1e-10, times a constant.
            assert!(
                run.single_errors[k][t_max] < 1e-7,
                "{:?}",
                run.single_errors[k]
            );
            assert!(run.single_norms[k][t_max] < 10.0);
        }
    }

    #[test]
    fn hypergrad_path_descends_and_the_grid_matches_the_closed_form_at_lambda_max() {
        let task = EnetTask::builtin(3).unwrap();
        let land = hypergrad_landscape(&task, 15, 12).unwrap();
        // tune_enet accepts a step only when the validation loss does not increase.
        let losses: Vec<f64> = land.path.iter().map(|s| s.loss).collect();
        assert!(losses.len() >= 2, "{losses:?}");
        for w in losses.windows(2) {
            assert!(w[1] <= w[0], "{losses:?}");
        }
        assert!(
            losses[losses.len() - 1] < 0.9 * losses[0],
            "the descent gains: {losses:?}"
        );
        assert_eq!(land.path[0].lambda, task.start.to_vec());
        assert_eq!(land.loss.len(), 12);
        assert!(land.loss.iter().all(|r| r.len() == 12));
        // The grid covers the path.
        for s in &land.path {
            let (a, b) = (s.lambda[0].log10(), s.lambda[1].log10());
            assert!(a >= land.log_l1[0] && a <= land.log_l1[11]);
            assert!(b >= land.log_l2[0] && b <= land.log_l2[11]);
        }
        // At λ₁ ≥ λ_max the solution is w = 0, so the validation loss is ‖y_val‖²/(2 n_val)
        // whatever λ₂: the last grid column (λ₁ = λ_max when the path stays below it).
        let d = sparse_regression(&hypergrad_data_spec(3)).unwrap();
        let want = d.y_val.iter().map(|v| v * v).sum::<f64>() / (2.0 * d.y_val.len() as f64);
        let spec: RegressionSpec = hypergrad_data_spec(3);
        assert_eq!(spec.n_val, d.y_val.len());
        for row in &land.loss {
            let got = row[11];
            assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
        }
        // The path ends below the loss of the empty model.
        assert!(losses[losses.len() - 1] < want);
    }
}
