//! Hand-made adversarial cases against the trusted kernel: false claims, forged or
//! unbound certificates, violated preconditions, maps that are not maps, and resource
//! attacks. Each case says why it must not be accepted and which failure kind (hence
//! which exit status of `piggyback check`: 1 for a rejected claim, 3 for a malformed,
//! invalid or too large file) it must get.
//!
//! Every case is a one-point change of an honest certificate that the kernel accepts
//! (the baselines are tested first), so each test fails if the one check it targets is
//! missing. The six findings of the trust issue are the `finding_*` tests: the first
//! release accepted each of them (or, for the attacks, ran for minutes).

use piggyback_kernel::certificate::from_json;
use piggyback_kernel::check::check;
use piggyback_kernel::fixed_point::{check_fixed_point, fixed_point_from_json};
use piggyback_kernel::{check_json, Budget, CheckFailure, Verdict};
use serde_json::{json, Value};

// ------------------------------------------------------------------ builders

fn family_cert(family: Value, claim: Value) -> Value {
    json!({"format": "piggyback-certificate", "version": 2,
           "subject": {"type": "family", "family": family}, "claim": claim})
}

fn problem_cert(kind: &str, problem: Value, claim: Value) -> Value {
    json!({"format": "piggyback-certificate", "version": 2,
           "subject": {"type": kind, "problem": problem}, "claim": claim})
}

fn hull(vertices: Value) -> Value {
    json!({"type": "hull", "vertices": vertices})
}

fn two(rho: &str) -> Value {
    json!({"kind": "norm_bound", "norm": {"type": "two"}, "rho": rho})
}

/// W = (9/10)·Q with Q = [[3/5, −4/5], [4/5, 3/5]] orthogonal: ‖W‖₂ = 9/10 exactly.
fn w910() -> Value {
    json!([["27/50", "-18/25"], ["18/25", "27/50"]])
}

/// The heavy-ball pieces M₁ (x ≥ 0) and M₂ (x ≤ 0); M₁M₁M₂M₂ has eigenvalue −9/8.
fn heavy_ball_vertices() -> Value {
    json!([[["3/4", "-3/4"], ["1", "0"]], [["3/2", "-3/4"], ["1", "0"]]])
}

fn heavy_ball_problem() -> Value {
    json!({"map": {"kind": "piecewise_affine", "pieces": [
        {"a": [["3/4", "-3/4"], ["1", "0"]], "b": [[], []], "c": ["0", "0"], "g": [["-1", "0"]], "h": ["0"]},
        {"a": [["3/2", "-3/4"], ["1", "0"]], "b": [[], []], "c": ["0", "0"], "g": [["1", "0"]], "h": ["0"]}]},
        "theta": []})
}

fn heavy_ball_refutation() -> Value {
    json!({"kind": "refutation", "r": "1", "word": [0, 0, 1, 1],
           "witness": {"type": "real_root", "lo": "-9/8", "hi": "-9/8"},
           "points": [["1", "0"], ["1", "0"], ["-1", "0"], ["-1", "0"]]})
}

fn relu_problem(w: Value, b: Value) -> Value {
    json!({"map": {"kind": "relu_layer", "w": w, "b": b}, "theta": []})
}

/// The rank-one layer of the issue: both rows of Wx + b are always equal.
fn rank_one_relu() -> Value {
    relu_problem(json!([["2", "-3/2"], ["2", "-3/2"]]), json!(["1", "1"]))
}

fn rank_one_field_refutation() -> Value {
    // diag(1, 0)·W = [[2, −3/2], [0, 0]] has eigenvalue 2 > 1; at x = (0, 2/3) both
    // pre-activations are 2·0 − (3/2)(2/3) + 1 = 0: a tie, so (1, 0) is a field element.
    json!({"kind": "refutation", "r": "1", "word": [[1, 0]],
           "witness": {"type": "real_root", "lo": "2", "hi": "2"}, "points": [["0", "2/3"]]})
}

/// LASSO in one variable: ½(x − 1)² + ½|x|, γ = 1/10. The minimiser is x̄ = 1/2 (the
/// optimality condition x − 1 + 1/2 = 0), ∂x̄/∂λ₁ = −1, and F(x) = S_{1/20}(9x/10 + 1/10)
/// contracts with ρ = 9/10.
fn lasso_1d() -> Value {
    json!({"map": {"kind": "lasso", "design": [["1"]], "response": ["1"], "step": "1/10"}, "theta": ["1/2"]})
}

fn fixed_point(
    problem: Value,
    rho: &str,
    center: &str,
    radius: &str,
    sign: Value,
    derivative: Value,
) -> Value {
    json!({"format": "piggyback-fixed-point-certificate", "version": 2, "problem": problem,
           "rho": rho, "center": [center], "radius": radius, "signs": [sign], "derivative": derivative})
}

fn honest_fixed_point() -> Value {
    fixed_point(lasso_1d(), "9/10", "1/2", "0", json!(1), json!(["-1"]))
}

// ------------------------------------------------------------------ running cases

/// What a case must get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// A false claim or a violated precondition: exit 1.
    Rejected,
    /// Malformed JSON, unknown fields, wrong version: exit 3.
    Malformed,
    /// A bad number: exit 3.
    BadNumber,
    /// Inconsistent shapes, indices, counts: exit 3.
    BadData,
    /// The embedded problem is not a map: exit 3.
    InvalidProblem,
    /// Over the work or memory budget, refused before the work: exit 3.
    TooLarge,
}

fn kind(f: &CheckFailure) -> Expect {
    match f {
        CheckFailure::Rejected { .. } => Expect::Rejected,
        CheckFailure::Malformed(_) => Expect::Malformed,
        CheckFailure::BadNumber { .. } => Expect::BadNumber,
        CheckFailure::BadData { .. } => Expect::BadData,
        CheckFailure::InvalidProblem(_) => Expect::InvalidProblem,
        CheckFailure::TooLarge(_) => Expect::TooLarge,
    }
}

fn exit_code(e: Expect) -> i32 {
    if e == Expect::Rejected {
        1
    } else {
        3
    }
}

#[track_caller]
fn accepted(v: &Value) -> Verdict {
    match check_json(&v.to_string()) {
        Ok(verdict) => verdict,
        Err(f) => panic!("baseline not accepted: {f}\n{v}"),
    }
}

#[track_caller]
fn refused(why: &str, v: &Value, want: Expect) {
    match check_json(&v.to_string()) {
        Ok(verdict) => panic!("ACCEPTED a forged case ({why}): {verdict}"),
        Err(f) => {
            assert_eq!(kind(&f), want, "{why}: got {f}");
            assert_eq!(exit_code(kind(&f)), exit_code(want));
        }
    }
}

/// Set a JSON pointer in a copy.
fn with(v: &Value, pointer: &str, new: Value) -> Value {
    let mut v = v.clone();
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = new;
    } else {
        // A new key in an existing object.
        let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
        v.pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"))[key] = new;
    }
    v
}

// ------------------------------------------------------------------ baselines

#[test]
fn honest_baselines_are_accepted() {
    let fam = accepted(&family_cert(hull(json!([w910()])), two("9/10")));
    assert!(fam.to_string().contains("of the written family"));
    let hb = accepted(&family_cert(
        hull(heavy_ball_vertices()),
        json!({"kind": "refutation", "r": "1", "word": [0, 0, 1, 1],
               "witness": {"type": "real_root", "lo": "-9/8", "hi": "-9/8"}}),
    ));
    assert!(hb.is_refutation());
    let map = accepted(&problem_cert(
        "map",
        heavy_ball_problem(),
        heavy_ball_refutation(),
    ));
    assert!(map.to_string().contains("REFUTED for the map"), "{map}");
    let relu = accepted(&problem_cert(
        "map",
        relu_problem(w910(), json!(["1/10", "-1/5"])),
        two("9/10"),
    ));
    assert!(relu.is_contraction() && relu.to_string().contains("CONTRACTION of the map"));
    let field = accepted(&problem_cert(
        "field",
        rank_one_relu(),
        rank_one_field_refutation(),
    ));
    assert!(field
        .to_string()
        .contains("conservative (chain-rule) field"));
    let fp = accepted(&honest_fixed_point());
    assert!(fp.to_string().contains("FIXED POINT") && fp.to_string().contains("1/1 signs"));
    accepted(&weighted_baseline());
    accepted(&preconditioner_baseline());
}

/// ‖A‖₂ > 2 but ‖A‖_P ≤ 9/10 with P = diag(1, 16): ρ²P − AᵀPA = [[14/25, −1], [−1, 124/25]]
/// has positive diagonal and determinant 1736/625 − 1 > 0.
fn weighted_baseline() -> Value {
    family_cert(
        hull(json!([[["1/2", "2"], ["0", "1/2"]]])),
        json!({"kind": "norm_bound", "norm": {"type": "weighted", "p": [["1", "0"], ["0", "16"]]}, "rho": "9/10"}),
    )
}

/// A ∈ [[2, 0], [0, 3]] ± 1/10: I − A ∈ [[−1, 0], [0, −2]] ± 1/10, R = diag(−1, −1/2):
/// |I − R(I − mid)| = 0 and |R|·rad has row sums 1/10 + 1/10 = 1/5 and 1/20 + 1/20 = 1/10.
fn preconditioner_baseline() -> Value {
    family_cert(
        json!({"type": "box", "lo": [["19/10", "-1/10"], ["-1/10", "29/10"]], "hi": [["21/10", "1/10"], ["1/10", "31/10"]]}),
        json!({"kind": "invertible", "witness": {"type": "preconditioner", "r": [["-1", "0"], ["0", "-1/2"]]}}),
    )
}

// ------------------------------------------------------------------ the six findings

/// Finding 1 (critical): ρ = −1000000 made the ball step divide by 1 − ρ > 1 and the
/// contraction step square ρ; the first release accepted this file (x̄ = 1/2, sign +,
/// ∂x̄/∂λ₁ = −1, yet it claims the centre −1/9, sign 0 and derivative 0).
#[test]
fn finding_1_negative_rho_is_rejected() {
    let v1 = r#"{"format":"piggyback-fixed-point-certificate","version":1,"map":{"design":[["1"]],"response":["1"],"gamma":"1/10","lambda1":"1/2","lambda2":"0"},"rho":"-1000000","center":["-1/9"],"radius":"1/9000009","signs":[0],"derivative":["0"]}"#;
    assert!(matches!(check_json(v1), Err(CheckFailure::Malformed(m)) if m.contains("version 1")));
    let forged = fixed_point(
        lasso_1d(),
        "-1000000",
        "-1/9",
        "1/9000009",
        json!(0),
        json!(["0"]),
    );
    refused("ρ < 0 (precondition 0 ≤ ρ < 1)", &forged, Expect::Rejected);
    // With an honest ρ the same false centre, sign and derivative are rejected on the math.
    let forged = fixed_point(
        lasso_1d(),
        "9/10",
        "-1/9",
        "1/9000009",
        json!(0),
        json!(["0"]),
    );
    refused(
        "the ball around −1/9 does not contain x̄ = 1/2",
        &forged,
        Expect::Rejected,
    );
    // "Unique" solution of a problem with two identical columns (a whole segment of
    // minimisers): no ρ < 1 exists, and a negative one is refused.
    let twin = json!({"map": {"kind": "lasso", "design": [["1", "1"]], "response": ["1"], "step": "1/10"}, "theta": ["1/2"]});
    let forged = json!({"format": "piggyback-fixed-point-certificate", "version": 2, "problem": twin,
        "rho": "-1000000", "center": ["1/4", "1/4"], "radius": "1/1000", "signs": [1, 1], "derivative": ["-1/2", "-1/2"]});
    refused(
        "non-unique minimiser, negative ρ",
        &forged,
        Expect::Rejected,
    );
    let forged = with(&forged, "/rho", json!("99/100"));
    refused(
        "non-unique minimiser: M' = I − γAᵀA has eigenvalue 1",
        &forged,
        Expect::Rejected,
    );
}

/// Finding 2: the rank-one ReLU layer was "REFUTED … no norm makes the map contract" by
/// the vertex diag(1, 0)·W, which is the map's Jacobian on no open set.
#[test]
fn finding_2_field_refutations_are_not_map_refutations() {
    // As a map refutation the same word needs a point with s₁ > 0 > s₂: impossible, since
    // s₁ = s₂ everywhere. The tie point (0, 2/3) is rejected as a strict witness.
    let forged = problem_cert("map", rank_one_relu(), rank_one_field_refutation());
    refused(
        "a tie is not an open set: the map is not refuted",
        &forged,
        Expect::Rejected,
    );
    for x in [json!(["1", "0"]), json!(["-1", "0"]), json!(["0", "-5"])] {
        let forged = with(&forged, "/claim/points/0", x);
        refused("no point has s₁ > 0 > s₂", &forged, Expect::Rejected);
    }
    // As a field refutation it is true, and the verdict says so, not "the map".
    let v = accepted(&problem_cert(
        "field",
        rank_one_relu(),
        rank_one_field_refutation(),
    ));
    let text = v.to_string();
    assert!(
        text.contains("the conservative (chain-rule) field") && !text.contains("the map"),
        "{text}"
    );
    // A field refutation still needs the pattern at the point (weakly): (1, 0) needs
    // s₁ ≥ 0 ≥ s₂; at (1, 0) both are 3 > 0.
    let forged = with(
        &problem_cert("field", rank_one_relu(), rank_one_field_refutation()),
        "/claim/points/0",
        json!(["1", "0"]),
    );
    refused(
        "(1, 0) is not a field element at x = (1, 0)",
        &forged,
        Expect::Rejected,
    );
    // A piecewise-affine piece on a region without interior (the line x = 0) is refused
    // before anything else: such a file does not define the map it claims.
    let mut p = heavy_ball_problem();
    p["map"]["pieces"].as_array_mut().unwrap().push(json!(
        {"a": [["5", "0"], ["0", "5"]], "b": [[], []], "c": ["0", "0"], "g": [["1", "0"], ["-1", "0"]], "h": ["0", "0"]}));
    let forged = problem_cert(
        "field",
        p,
        json!({"kind": "refutation", "r": "1", "word": [2],
        "witness": {"type": "real_root", "lo": "5", "hi": "5"}, "points": [["0", "0"]]}),
    );
    refused(
        "a piece whose region has no interior",
        &forged,
        Expect::InvalidProblem,
    );
}

/// Finding 3: a piecewise-affine "map" with a jump at x₁ = 0 (two fixed points, (10, 0)
/// and (−10, 0)) was certified "CONTRACTION ρ ≤ 1/2".
#[test]
fn finding_3_discontinuous_or_partial_maps_are_not_maps() {
    let jump = json!({"map": {"kind": "piecewise_affine", "pieces": [
        {"a": [["1/2", "0"], ["0", "1/2"]], "b": [[], []], "c": ["5", "0"], "g": [["-1", "0"]], "h": ["0"]},
        {"a": [["1/2", "0"], ["0", "1/2"]], "b": [[], []], "c": ["-5", "0"], "g": [["1", "0"]], "h": ["0"]}]}, "theta": []});
    refused(
        "a jump across x₁ = 0",
        &problem_cert("map", jump.clone(), two("1/2")),
        Expect::InvalidProblem,
    );
    refused(
        "a jump (field subject too)",
        &problem_cert("field", jump.clone(), two("1/2")),
        Expect::InvalidProblem,
    );
    // Regions that leave a gap (x₁ ∈ (0, 1) is covered by no piece).
    let gap = with(&jump, "/map/pieces/1/h/0", json!("-1"));
    let gap = with(&gap, "/map/pieces/1/c/0", json!("5"));
    refused(
        "the regions do not cover the plane",
        &problem_cert("map", gap, two("1/2")),
        Expect::InvalidProblem,
    );
}

/// Finding 4: certificates were not bound to a problem, and unknown fields were
/// accepted: a file with an extra "problem" field and the zero matrix passed as
/// "VALID: CONTRACTION".
#[test]
fn finding_4_unknown_fields_are_rejected_and_bare_families_say_so() {
    let zero = family_cert(hull(json!([[["0", "0"], ["0", "0"]]])), two("0"));
    let v = accepted(&zero);
    assert!(v
        .to_string()
        .contains("of the written family (a statement about the matrices in the file only)"));
    let mut forged = zero.clone();
    forged["problem"] = json!("examples/problems/heavy_ball.json");
    refused("an unknown top-level field", &forged, Expect::Malformed);
    for (ptr, why) in [
        ("/subject/extra", "an unknown field in the subject"),
        ("/subject/family/extra", "an unknown field in the family"),
        ("/claim/extra", "an unknown field in the claim"),
        ("/claim/norm/extra", "an unknown field in the norm"),
    ] {
        let mut f = zero.clone();
        let (parent, key) = ptr.rsplit_once('/').unwrap();
        f.pointer_mut(parent).unwrap()[key] = json!(1);
        refused(why, &f, Expect::Malformed);
    }
    let mut f = problem_cert("map", heavy_ball_problem(), heavy_ball_refutation());
    f["subject"]["problem"]["map"]["source"] = json!("heavy_ball.json");
    refused(
        "an unknown field in the embedded map",
        &f,
        Expect::Malformed,
    );
    let mut f = honest_fixed_point();
    f["problem"]["name"] = json!("forged");
    refused(
        "an unknown field in the fixed-point problem",
        &f,
        Expect::Malformed,
    );
    // A map certificate re-derives its family from the embedded problem: the heavy-ball
    // problem cannot be certified with the zero matrix's bound.
    refused(
        "the heavy-ball map has no norm bound 0",
        &problem_cert("map", heavy_ball_problem(), two("0")),
        Expect::Rejected,
    );
}

/// Finding 5: verdict texts overclaimed: ρ = 2 printed "VALID: CONTRACTION", r = 0
/// printed "no norm makes the map contract".
#[test]
fn finding_5_verdicts_do_not_overclaim() {
    let v = accepted(&family_cert(hull(json!([w910()])), two("2")));
    let t = v.to_string();
    assert!(
        !v.is_contraction() && t.starts_with("NORM BOUND") && t.contains("not a contraction"),
        "{t}"
    );
    let v = accepted(&problem_cert(
        "map",
        heavy_ball_problem(),
        with(&heavy_ball_refutation(), "/r", json!("0")),
    ));
    let t = v.to_string();
    assert!(
        !t.contains("no norm makes") && t.contains("exceeds 0"),
        "{t}"
    );
    let v = accepted(&problem_cert(
        "map",
        heavy_ball_problem(),
        heavy_ball_refutation(),
    ));
    assert!(v
        .to_string()
        .contains("no norm makes the map a contraction"));
}

/// Finding 6: no work budget: a 3×3 "word bomb" ran for minutes and aborted in GMP; a
/// weighted-norm claim over a box with 12 free entries at n = 80 took 87 s and 2.5 GB;
/// a 200 × 200 determinant witness 98 s. Now the first two are refused before any work
/// and the third finishes within the budget.
#[test]
fn finding_6_resource_attacks_are_refused_or_bounded() {
    // 3×3 vertices with 5,000-digit numerators and denominators (about 90 KB of text),
    // a word of length 64 and a trace power of 256.
    let big = |d: char| {
        format!(
            "{}/{}",
            d.to_string().repeat(5_000),
            "7".repeat(4_999) + "3"
        )
    };
    let m = |d: char| {
        json!((0..3)
            .map(|_| (0..3).map(|_| big(d)).collect::<Vec<_>>())
            .collect::<Vec<_>>())
    };
    let bomb = family_cert(
        hull(json!([m('9'), m('8')])),
        json!({"kind": "refutation", "r": "1", "word": (0..64).map(|k| k % 2).collect::<Vec<_>>(),
               "witness": {"type": "trace_power", "k": 256}}),
    );
    assert!(bomb.to_string().len() > 85_000);
    refused("word bomb", &bomb, Expect::TooLarge);
    // Weighted norm over a box with 12 free entries at n = 80: 4096 extreme points, each
    // an 80 × 80 exact elimination.
    let n = 80;
    let lo: Vec<Vec<String>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { "1/3".into() } else { "1/7".into() })
                .collect()
        })
        .collect();
    let mut hi = lo.clone();
    for k in 0..12 {
        hi[k][(k + 1) % n] = "2/7".into();
    }
    let p: Vec<Vec<String>> = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| if i == j { "1" } else { "0" }.to_string())
                .collect()
        })
        .collect();
    let boxed = family_cert(
        json!({"type": "box", "lo": lo, "hi": hi}),
        json!({"kind": "norm_bound", "norm": {"type": "weighted", "p": p}, "rho": "100"}),
    );
    refused(
        "4096 extreme points × an 80 × 80 elimination",
        &boxed,
        Expect::TooLarge,
    );
    // A 200 × 200 determinant witness with one-digit entries: within the budget now (one
    // fraction-free elimination, not a characteristic polynomial).
    // Pseudo-random digits in [−9, 9]: the determinant is a nonzero integer (the matrix
    // is unimodular-free but full rank with overwhelming probability; a zero determinant
    // would be a rejection, not an acceptance), so |det| ≥ 1 > (1/2)^200.
    let mut seed = 1u64;
    let mut digit = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) % 19) as i64 - 9
    };
    let d: Vec<Vec<String>> = (0..200)
        .map(|_| (0..200).map(|_| digit().to_string()).collect())
        .collect();
    let det = family_cert(
        hull(json!([d])),
        json!({"kind": "refutation", "r": "1/2", "word": [0], "witness": {"type": "determinant"}}),
    );
    let mut budget = Budget::default();
    let c = from_json(&det.to_string()).unwrap();
    let v = check(&c, &mut budget).expect("within budget, and true");
    assert!(v.is_refutation());
    assert!(budget.spent() <= budget.limit());
}

// ------------------------------------------------------------------ false claims

#[test]
fn false_norm_bounds_are_rejected() {
    let base = family_cert(hull(json!([w910()])), two("9/10"));
    // ‖W‖₂ = 9/10 exactly; 89/100 is below it.
    refused(
        "2-norm bound below ‖W‖₂",
        &with(&base, "/claim/rho", json!("89/100")),
        Expect::Rejected,
    );
    // ‖W‖₁ = ‖W‖_∞ = 27/50 + 18/25 = 63/50.
    let one = json!({"kind": "norm_bound", "norm": {"type": "one"}, "rho": "31/25"});
    refused(
        "1-norm bound below 63/50",
        &with(&base, "/claim", one.clone()),
        Expect::Rejected,
    );
    accepted(&with(
        &with(&base, "/claim", one.clone()),
        "/claim/rho",
        json!("63/50"),
    ));
    let inf = with(&one, "/norm/type", json!("inf"));
    refused(
        "∞-norm bound below 63/50",
        &with(&base, "/claim", inf),
        Expect::Rejected,
    );
    // A = [[1/2, 2], [0, 1/2]] has spectral radius 1/2, a lower bound for every operator
    // norm: 49/100 is false whatever the weight.
    refused(
        "weighted bound below the spectral radius",
        &with(&weighted_baseline(), "/claim/rho", json!("49/100")),
        Expect::Rejected,
    );
    // The heavy-ball map with the hull norm claim 9/10 (‖M₂‖₂ > 1).
    refused(
        "heavy-ball map is no 2-norm contraction",
        &problem_cert("map", heavy_ball_problem(), two("9/10")),
        Expect::Rejected,
    );
    // The ReLU map with its W doubled in the embedded data (the claim 9/10 stays).
    let doubled = relu_problem(
        json!([["27/25", "-36/25"], ["36/25", "27/25"]]),
        json!(["1/10", "-1/5"]),
    );
    refused(
        "the embedded problem is not the one the bound was found for",
        &problem_cert("map", doubled, two("9/10")),
        Expect::Rejected,
    );
    // A diag family with q up to 2 leaves the |q| ≤ 1 reduction: the vertex 2W has norm 9/5.
    let db = json!({"type": "diag_box", "q_lo": ["0", "0"], "q_hi": ["2", "2"], "m": w910(), "offset": [["0", "0"], ["0", "0"]]});
    refused(
        "q_hi = 2 doubles the norm",
        &family_cert(db, two("9/10")),
        Expect::Rejected,
    );
}

#[test]
fn false_refutations_are_rejected() {
    let base = family_cert(
        hull(heavy_ball_vertices()),
        json!({"kind": "refutation", "r": "1", "word": [0, 0, 1, 1],
               "witness": {"type": "real_root", "lo": "-9/8", "hi": "-9/8"}}),
    );
    // ρ(M₁) = √3/2 < 1: a one-letter word cannot refute r = 1, whatever the witness.
    let single = with(&base, "/claim/word", json!([0]));
    refused("ρ(M₁) < 1 (real root)", &single, Expect::Rejected);
    refused(
        "ρ(M₁) < 1 (determinant: det M₁ = 3/4)",
        &with(&single, "/claim/witness", json!({"type": "determinant"})),
        Expect::Rejected,
    );
    refused(
        "ρ(M₁) < 1 (trace power)",
        &with(
            &single,
            "/claim/witness",
            json!({"type": "trace_power", "k": 5}),
        ),
        Expect::Rejected,
    );
    // A wrong root: p(−5/4) ≠ 0.
    let wrong = with(
        &base,
        "/claim/witness",
        json!({"type": "real_root", "lo": "-5/4", "hi": "-5/4"}),
    );
    refused("−5/4 is not an eigenvalue", &wrong, Expect::Rejected);
    // An interval without sign change: [−2, −5/4] lies left of both roots −9/8, −9/32.
    let nochange = with(
        &base,
        "/claim/witness",
        json!({"type": "real_root", "lo": "-2", "hi": "-5/4"}),
    );
    refused("no sign change on [−2, −5/4]", &nochange, Expect::Rejected);
    // Threshold 2: the JSR of the heavy-ball pair is below 2 (‖Mᵢ‖_F < 2).
    refused(
        "r = 2 exceeds the joint spectral radius",
        &with(&base, "/claim/r", json!("2")),
        Expect::Rejected,
    );
    // Map refutation whose point lies on the boundary x = 0 of both regions: M₁ is not the
    // Jacobian on an open set around it.
    let edge = with(
        &problem_cert("map", heavy_ball_problem(), heavy_ball_refutation()),
        "/claim/points/0",
        json!(["0", "1"]),
    );
    refused(
        "a boundary point is not strictly inside",
        &edge,
        Expect::Rejected,
    );
    // A point in the wrong region: (−1, 0) lies in M₂'s region, not M₁'s.
    let wrong_region = with(
        &problem_cert("map", heavy_ball_problem(), heavy_ball_refutation()),
        "/claim/points/0",
        json!(["-1", "0"]),
    );
    refused(
        "a point of the other piece",
        &wrong_region,
        Expect::Rejected,
    );
}

#[test]
fn false_invertibility_and_fixed_points_are_rejected() {
    // A₁ = 0, A₂ = diag(2, 0): I − A is invertible at both vertices but singular at the
    // midpoint diag(1, 0); no preconditioner proves the hull.
    let hull2 = hull(json!([[["0", "0"], ["0", "0"]], [["2", "0"], ["0", "0"]]]));
    for r in [
        json!([["1", "0"], ["0", "1"]]),
        json!([["1000", "0"], ["0", "1"]]),
        json!([["-1", "0"], ["0", "1"]]),
    ] {
        let forged = family_cert(
            hull2.clone(),
            json!({"kind": "invertible", "witness": {"type": "preconditioner", "r": r}}),
        );
        refused(
            "I − A is singular at the midpoint of the hull",
            &forged,
            Expect::Rejected,
        );
    }
    let neumann = family_cert(
        hull2,
        json!({"kind": "invertible", "witness": {"type": "neumann", "norm": {"type": "two"}, "rho": "1/2"}}),
    );
    refused(
        "Neumann bound 1/2 is false (‖diag(2, 0)‖ = 2)",
        &neumann,
        Expect::Rejected,
    );
    // Fixed points: a wrong sign, a wrong derivative, a wrong centre, a small ρ.
    let fp = honest_fixed_point();
    refused(
        "x̄ = 1/2 is positive, not negative",
        &with(&fp, "/signs/0", json!(-1)),
        Expect::Rejected,
    );
    refused(
        "x̄ is not zero",
        &with(&fp, "/signs/0", json!(0)),
        Expect::Rejected,
    );
    refused(
        "∂x̄/∂λ₁ = −1, not −1/2",
        &with(&fp, "/derivative/0", json!("-1/2")),
        Expect::Rejected,
    );
    refused(
        "the centre 1/2 + 1/1000 with radius 0",
        &with(&fp, "/center/0", json!("501/1000")),
        Expect::Rejected,
    );
    refused(
        "ρ = 1/2 < c‖M'‖ = 9/10",
        &with(&fp, "/rho", json!("1/2")),
        Expect::Rejected,
    );
    // The same certificate claimed for λ₁ = 1: then x̄ = 0 and the sign + is false.
    let moved = with(&fp, "/problem/theta/0", json!("1"));
    refused(
        "the problem was changed under the certificate",
        &moved,
        Expect::Rejected,
    );
}

// ------------------------------------------------------------------ preconditions

/// One test per precondition: each violates exactly one, on an otherwise honest file.
#[test]
fn every_precondition_is_checked() {
    let bound = family_cert(hull(json!([w910()])), two("9/10"));
    refused(
        "ρ ≥ 0 (norm bound)",
        &with(&bound, "/claim/rho", json!("-1")),
        Expect::Rejected,
    );
    let w = weighted_baseline();
    refused(
        "P symmetric",
        &with(&w, "/claim/norm/p/0/1", json!("1")),
        Expect::Rejected,
    );
    refused(
        "P ≻ 0 (indefinite)",
        &with(&w, "/claim/norm/p/1/1", json!("-16")),
        Expect::Rejected,
    );
    refused(
        "P ≻ 0 (singular)",
        &with(&w, "/claim/norm/p/1/1", json!("0")),
        Expect::Rejected,
    );
    refused(
        "P has the family's dimension",
        &with(&w, "/claim/norm/p", json!([["1"]])),
        Expect::BadData,
    );

    let refute = family_cert(
        hull(heavy_ball_vertices()),
        json!({"kind": "refutation", "r": "1", "word": [0, 0, 1, 1],
               "witness": {"type": "real_root", "lo": "-9/8", "hi": "-9/8"}}),
    );
    refused(
        "r ≥ 0",
        &with(&refute, "/claim/r", json!("-1")),
        Expect::Rejected,
    );
    refused(
        "word non-empty",
        &with(&refute, "/claim/word", json!([])),
        Expect::Rejected,
    );
    refused(
        "letters in range",
        &with(&refute, "/claim/word/0", json!(2)),
        Expect::BadData,
    );
    refused(
        "word length within the cap",
        &with(&refute, "/claim/word", json!(vec![0; 5_000])),
        Expect::BadData,
    );
    refused(
        "lo ≤ hi",
        &with(
            &refute,
            "/claim/witness",
            json!({"type": "real_root", "lo": "-1", "hi": "-2"}),
        ),
        Expect::Rejected,
    );
    refused(
        "[lo, hi] beyond ±r^L",
        &with(
            &refute,
            "/claim/witness",
            json!({"type": "real_root", "lo": "-1", "hi": "-1"}),
        ),
        Expect::Rejected,
    );
    refused(
        "trace power k ≥ 1",
        &with(
            &refute,
            "/claim/witness",
            json!({"type": "trace_power", "k": 0}),
        ),
        Expect::Rejected,
    );
    refused(
        "points only for field/map subjects",
        &with(&refute, "/claim/points", json!(vec![["1", "0"]; 4])),
        Expect::BadData,
    );
    refused(
        "vertex letters for a vertex family",
        &with(&refute, "/claim/word/0", json!([1, 0])),
        Expect::BadData,
    );

    let map = problem_cert("map", heavy_ball_problem(), heavy_ball_refutation());
    let no_points = {
        let mut m = map.clone();
        m["claim"].as_object_mut().unwrap().remove("points");
        m
    };
    refused("map refutations need points", &no_points, Expect::BadData);
    refused(
        "one point per letter",
        &with(&map, "/claim/points", json!([["1", "0"]])),
        Expect::BadData,
    );
    refused(
        "points have n entries",
        &with(&map, "/claim/points/0", json!(["1"])),
        Expect::BadData,
    );
    let field = problem_cert("field", rank_one_relu(), rank_one_field_refutation());
    refused(
        "pattern bits are 0 or 1",
        &with(&field, "/claim/word/0", json!([2, 0])),
        Expect::BadData,
    );
    refused(
        "pattern has n bits",
        &with(&field, "/claim/word/0", json!([1])),
        Expect::BadData,
    );
    refused(
        "pattern letters for a diag family",
        &with(&field, "/claim/word/0", json!(0)),
        Expect::BadData,
    );

    let inv = preconditioner_baseline();
    let neumann = |rho: &str| {
        with(
            &inv,
            "/claim/witness",
            json!({"type": "neumann", "norm": {"type": "inf"}, "rho": rho}),
        )
    };
    refused("Neumann ρ < 1", &neumann("1"), Expect::Rejected);
    refused("Neumann ρ ≥ 0", &neumann("-1/2"), Expect::Rejected);
    refused(
        "R has the family's dimension",
        &with(&inv, "/claim/witness/r", json!([["1"]])),
        Expect::BadData,
    );
    let map_inv = problem_cert(
        "map",
        heavy_ball_problem(),
        json!({"kind": "invertible", "witness": {"type": "neumann", "norm": {"type": "two"}, "rho": "1/2"}}),
    );
    refused(
        "invertibility is about Jacobian elements, not the map",
        &map_inv,
        Expect::BadData,
    );
    refused(
        "box lo ≤ hi",
        &with(&inv, "/subject/family/lo/0/0", json!("3")),
        Expect::BadData,
    );
    let db = family_cert(
        json!({"type": "diag_box", "q_lo": ["0", "0"], "q_hi": ["1", "1"], "m": w910(), "offset": [["0", "0"], ["0", "0"]]}),
        two("9/10"),
    );
    accepted(&db);
    refused(
        "q_lo ≤ q_hi",
        &with(&db, "/subject/family/q_lo/0", json!("2")),
        Expect::BadData,
    );
    refused(
        "one q bound per row",
        &with(&db, "/subject/family/q_hi", json!(["1"])),
        Expect::BadData,
    );
    refused(
        "square matrices",
        &with(&db, "/subject/family/m", json!([["1", "2"]])),
        Expect::BadData,
    );
    refused(
        "non-empty vertex list",
        &family_cert(hull(json!([])), two("1")),
        Expect::BadData,
    );
    refused(
        "vertices of one dimension",
        &family_cert(hull(json!([w910(), [["1"]]])), two("9/10")),
        Expect::BadData,
    );
    refused(
        "rows of equal length",
        &family_cert(hull(json!([[["1", "0"], ["1"]]])), two("9/10")),
        Expect::BadData,
    );

    // Embedded forward–backward problems: γ > 0, λ₁ > 0, λ₂ ≥ 0, θ of the kind's length.
    let fp = honest_fixed_point();
    refused(
        "γ > 0",
        &with(&fp, "/problem/map/step", json!("0")),
        Expect::Rejected,
    );
    refused(
        "γ > 0 (negative)",
        &with(&fp, "/problem/map/step", json!("-1/10")),
        Expect::Rejected,
    );
    refused(
        "λ₁ > 0",
        &with(&fp, "/problem/theta/0", json!("0")),
        Expect::Rejected,
    );
    let enet = with(
        &with(&fp, "/problem/map/kind", json!("elastic_net")),
        "/problem/theta",
        json!(["1/2", "0"]),
    );
    accepted(&enet);
    refused(
        "λ₂ ≥ 0",
        &with(&enet, "/problem/theta/1", json!("-1/100")),
        Expect::Rejected,
    );
    refused(
        "θ = (λ₁) for the LASSO",
        &with(&fp, "/problem/theta", json!(["1/2", "0"])),
        Expect::BadData,
    );
    refused(
        "response has a row per design row",
        &with(&fp, "/problem/map/response", json!(["1", "2"])),
        Expect::BadData,
    );
    // Fixed-point claims: 0 ≤ ρ < 1, R ≥ 0, signs in {−1, 0, 1}, lengths, all signs for J.
    refused("ρ < 1", &with(&fp, "/rho", json!("1")), Expect::Rejected);
    refused(
        "R ≥ 0",
        &with(&fp, "/radius", json!("-1/1000")),
        Expect::Rejected,
    );
    refused(
        "signs are −1, 0, 1",
        &with(&fp, "/signs/0", json!(2)),
        Expect::BadData,
    );
    refused(
        "one sign per coordinate",
        &with(&fp, "/signs", json!([1, 1])),
        Expect::BadData,
    );
    refused(
        "the centre has p entries",
        &with(&fp, "/center", json!(["1/2", "0"])),
        Expect::BadData,
    );
    refused(
        "a derivative needs every sign",
        &with(&fp, "/signs/0", Value::Null),
        Expect::Rejected,
    );
    let relu_fp = with(&fp, "/problem", relu_problem(w910(), json!(["0", "0"])));
    refused(
        "fixed-point certificates are for lasso and elastic_net",
        &relu_fp,
        Expect::BadData,
    );
    // ReLU shapes: U is n × m.
    let relu = problem_cert(
        "map",
        relu_problem(w910(), json!(["1/10", "-1/5"])),
        two("9/10"),
    );
    let with_u = with(
        &with(&relu, "/subject/problem/theta", json!(["1"])),
        "/subject/problem/map/u",
        json!([["1"]]),
    );
    refused("U is n × m", &with_u, Expect::BadData);
    refused(
        "b has n entries",
        &with(&relu, "/subject/problem/map/b", json!(["1"])),
        Expect::BadData,
    );
}

// ------------------------------------------------------------------ malformed files

#[test]
fn malformed_files_are_refused() {
    let base = family_cert(hull(json!([w910()])), two("9/10"));
    refused(
        "version 3",
        &with(&base, "/version", json!(3)),
        Expect::Malformed,
    );
    refused(
        "version 1 (not bound to a problem)",
        &with(&base, "/version", json!(1)),
        Expect::Malformed,
    );
    refused(
        "another format name",
        &with(&base, "/format", json!("something")),
        Expect::Malformed,
    );
    refused(
        "a fixed-point format with a family body",
        &with(&base, "/format", json!("piggyback-fixed-point-certificate")),
        Expect::Malformed,
    );
    refused(
        "an unknown claim kind",
        &with(&base, "/claim/kind", json!("contraction")),
        Expect::Malformed,
    );
    refused(
        "an unknown subject type",
        &with(&base, "/subject/type", json!("program")),
        Expect::Malformed,
    );
    refused(
        "a number as a JSON float",
        &with(&base, "/claim/rho", json!(0.9)),
        Expect::Malformed,
    );
    refused(
        "a zero denominator",
        &with(&base, "/claim/rho", json!("9/0")),
        Expect::BadNumber,
    );
    refused(
        "a 100,000-digit number",
        &with(&base, "/claim/rho", json!("9".repeat(100_000))),
        Expect::BadNumber,
    );
    refused(
        "an exponent bomb",
        &with(&base, "/claim/rho", json!("1e100000")),
        Expect::BadNumber,
    );
    refused(
        "NaN",
        &with(&base, "/claim/rho", json!("NaN")),
        Expect::BadNumber,
    );
    let text = base.to_string();
    for cut in [1, text.len() / 3, text.len() - 1] {
        assert!(
            matches!(check_json(&text[..cut]), Err(CheckFailure::Malformed(_))),
            "prefix {cut}"
        );
    }
    assert!(matches!(check_json(""), Err(CheckFailure::Malformed(_))));
    assert!(matches!(check_json("[]"), Err(CheckFailure::Malformed(_))));
}

// ------------------------------------------------------------------ resources

#[test]
fn resource_attacks_are_refused_before_the_work() {
    // 2^100 extreme points (a diag family with a weighted norm enumerates them).
    let n = 100;
    let eye = |v: &str| -> Vec<Vec<String>> {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { v.to_string() } else { "0".into() })
                    .collect()
            })
            .collect()
    };
    let db = json!({"type": "diag_box", "q_lo": vec!["0"; n], "q_hi": vec!["1"; n], "m": eye("1/2"), "offset": eye("0")});
    let c = family_cert(
        db,
        json!({"kind": "norm_bound", "norm": {"type": "weighted", "p": eye("1")}, "rho": "1"}),
    );
    let mut budget = Budget::default();
    let r = check(&from_json(&c.to_string()).unwrap(), &mut budget);
    assert!(matches!(r, Err(CheckFailure::TooLarge(_))), "{r:?}");
    // A huge trace power on a product of big numbers.
    let big = "123456789".repeat(100);
    let m = json!([[big.clone(), "1"], ["1", big.clone()]]);
    let tp = family_cert(
        hull(json!([m])),
        json!({"kind": "refutation", "r": "1", "word": vec![0; 200], "witness": {"type": "trace_power", "k": 4_000}}),
    );
    refused(
        "trace power 4000 of a 200-letter word of 900-digit numbers",
        &tp,
        Expect::TooLarge,
    );
    refused(
        "trace power above its cap",
        &with(&tp, "/claim/witness/k", json!(5_000)),
        Expect::BadData,
    );
    // A 60 × 60 matrix of 1000-digit exponents: every entry has 3,300 bits.
    let e: Vec<Vec<String>> = (0..60)
        .map(|i| {
            (0..60)
                .map(|j| format!("{}e1000", (i + j) % 7 + 1))
                .collect()
        })
        .collect();
    refused(
        "60 × 60 exact elimination on 3,300-bit entries",
        &family_cert(hull(json!([e])), two("1")),
        Expect::TooLarge,
    );
    // Dimension above the cap (a 2001-row matrix of zeros).
    let tall = vec![vec!["0"; 1]; 2_001];
    refused(
        "2001 rows",
        &family_cert(hull(json!([tall])), two("1")),
        Expect::BadData,
    );
    // A long word over one large vertex: every letter would be a 300 × 300 copy, and the
    // product 4,000 products of growing size.
    let v: Vec<Vec<String>> = (0..300)
        .map(|i| (0..300).map(|j| ((i + j) % 3).to_string()).collect())
        .collect();
    let long = family_cert(
        hull(json!([v])),
        json!({"kind": "refutation", "r": "1", "word": vec![0; 4_000], "witness": {"type": "determinant"}}),
    );
    refused(
        "4,000 letters of a 300 × 300 vertex",
        &long,
        Expect::TooLarge,
    );
    // The same with pattern letters of a diag family (each letter a new matrix).
    let eye3: Vec<Vec<String>> = (0..300)
        .map(|i| {
            (0..300)
                .map(|j| if i == j { "1/2".into() } else { "0".into() })
                .collect()
        })
        .collect();
    let db = json!({"type": "diag_box", "q_lo": vec!["0"; 300], "q_hi": vec!["1"; 300], "m": eye3, "offset": vec![vec!["0"; 300]; 300]});
    let pat = family_cert(
        db,
        json!({"kind": "refutation", "r": "1", "word": vec![vec![1; 300]; 4_000], "witness": {"type": "determinant"}}),
    );
    refused(
        "4,000 pattern letters of a 300 × 300 family",
        &pat,
        Expect::TooLarge,
    );
    // Fixed point over a 300 × 300 design with distinct denominators.
    let d: Vec<Vec<String>> = (0..300)
        .map(|i| {
            (0..300)
                .map(|j| format!("1/{}", 1000 + i * 300 + j))
                .collect()
        })
        .collect();
    let fp = json!({"format": "piggyback-fixed-point-certificate", "version": 2,
        "problem": {"map": {"kind": "lasso", "design": d, "response": vec!["1"; 300], "step": "1/1000"}, "theta": ["1"]},
        "rho": "1/2", "center": vec!["0"; 300], "radius": "1", "signs": vec![Value::Null; 300]});
    let mut budget = Budget::default();
    let r = check_fixed_point(
        &fixed_point_from_json(&fp.to_string()).unwrap(),
        &mut budget,
    );
    assert!(matches!(r, Err(CheckFailure::TooLarge(_))), "{r:?}");
}

// ------------------------------------------------------------------ certify and solve

fn run_cli(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let code = piggyback::cli::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("piggyback-adversarial-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `certify` on the rank-one layer: never a map refutation; the field refutation it
/// writes says "the conservative field" (exit 4 = a checked refutation), and `check`
/// agrees.
#[test]
fn certify_refutes_the_rank_one_layer_only_as_a_field() {
    let p = temp(
        "rank_one.json",
        r#"{"piggyback_problem": 1, "map": {"kind": "relu_layer", "w": [["2","-3/2"],["2","-3/2"]], "b": ["1","1"]}}"#,
    );
    let cert = p.with_extension("cert.json");
    let _ = std::fs::remove_file(&cert);
    let (code, out, err) = run_cli(&["certify", p.to_str().unwrap(), "-o", cert.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        out.contains("REFUTED for the conservative (chain-rule) field"),
        "{out}"
    );
    assert!(!out.contains("the map"), "{out}");
    let (code, out, _) = run_cli(&["check", cert.to_str().unwrap()]);
    assert_eq!(code, 4, "{out}");
    assert!(
        out.contains("VALID: REFUTED for the conservative (chain-rule) field"),
        "{out}"
    );
}

/// A ReLU layer with θ of length 50,000 and no U: `solve` used to allocate an
/// m × m = 2.5·10⁹-entry identity (20 GB); it is refused from the declared sizes.
#[test]
fn solve_refuses_a_huge_parameter_vector_before_allocating() {
    let theta: Vec<String> = (0..50_000).map(|_| "\"1\"".to_string()).collect();
    let text = format!(
        r#"{{"piggyback_problem": 1, "map": {{"kind": "relu_layer", "w": [["1/2","0"],["0","1/2"]]}}, "theta": [{}]}}"#,
        theta.join(",")
    );
    let p = temp("huge_theta.json", &text);
    let (code, _, err) = run_cli(&["solve", p.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("too large") || err.contains("set too large"),
        "{err}"
    );
    // certify's exact path stays within its own limit here (n·(n + m) = 100,004 entries)
    // and the kernel's budget: it must finish, whichever way.
    let problem = piggyback::io::problem::Problem::read(&p).unwrap();
    let _ = piggyback::certify::problem::certify_problem(&problem);
}
