//! The IDX reader on hand-written files (every element type, plain and gzip, the MNIST
//! directory layout) and on hostile ones; the digits reader on the bundled copy
//! (its published class counts) and on malformed text.

use flate2::write::GzEncoder;
use piggyback::io::digits::{self, parse_digits};
use piggyback::io::idx::{self, parse_idx};
use piggyback::Error;
use std::io::Write;
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piggyback-idx-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An IDX byte string: header for `code` and `dims`, then `payload`.
fn idx_bytes(code: u8, dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, code, dims.len() as u8];
    for d in dims {
        v.extend_from_slice(&d.to_be_bytes());
    }
    v.extend_from_slice(payload);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn every_element_type_decodes_exactly() {
    let u8s = parse_idx(&idx_bytes(0x08, &[2, 2], &[0, 1, 128, 255])[..], "u8").unwrap();
    assert_eq!(u8s.dims, vec![2, 2]);
    assert_eq!(u8s.data, vec![0.0, 1.0, 128.0, 255.0]);
    let i8s = parse_idx(&idx_bytes(0x09, &[3], &[0x80, 0xFF, 0x7F])[..], "i8").unwrap();
    assert_eq!(i8s.data, vec![-128.0, -1.0, 127.0]);
    let i16s = parse_idx(&idx_bytes(0x0B, &[2], &[0x80, 0x00, 0x01, 0x02])[..], "i16").unwrap();
    assert_eq!(i16s.data, vec![-32768.0, 258.0]);
    let i32s = parse_idx(&idx_bytes(0x0C, &[1], &[0x7F, 0xFF, 0xFF, 0xFF])[..], "i32").unwrap();
    assert_eq!(i32s.data, vec![2147483647.0]);
    let f32s = parse_idx(&idx_bytes(0x0D, &[1], &[0x3E, 0x20, 0x00, 0x00])[..], "f32").unwrap();
    assert_eq!(f32s.data, vec![0.15625]); // 0x3E200000 = 1.25 · 2⁻³
    let f64s = parse_idx(
        &idx_bytes(0x0E, &[1, 1, 1], &[0xC0, 0x08, 0, 0, 0, 0, 0, 0])[..],
        "f64",
    )
    .unwrap();
    assert_eq!(f64s.dims, vec![1, 1, 1]);
    assert_eq!(f64s.data, vec![-3.0]); // 0xC008… = −1.5 · 2¹
}

#[test]
fn mnist_directory_plain_and_gzip() {
    // Two 2×2 images (pixels 0, 51, 255, 102 / 255, 0, 0, 0) with labels 3 and 7.
    let images = idx_bytes(0x08, &[2, 2, 2], &[0, 51, 255, 102, 255, 0, 0, 0]);
    let labels = idx_bytes(0x08, &[2], &[3, 7]);
    let plain = scratch("plain");
    std::fs::write(plain.join("train-images-idx3-ubyte"), &images).unwrap();
    std::fs::write(plain.join("train-labels-idx1-ubyte"), &labels).unwrap();
    let zipped = scratch("gz");
    std::fs::write(zipped.join("train-images-idx3-ubyte.gz"), gz(&images)).unwrap();
    std::fs::write(zipped.join("train-labels.idx1-ubyte.gz"), gz(&labels)).unwrap();
    for dir in [&plain, &zipped] {
        let set = idx::load_mnist_train(dir, None).unwrap();
        assert_eq!(set.x.shape(), (2, 4));
        assert_eq!(set.labels, vec![3, 7]);
        assert_eq!(set.classes, 8);
        // 2v/255 − 1: 0 → −1, 51 → −0.6, 255 → 1, 102 → −0.2.
        let row0: Vec<f64> = (0..4).map(|j| set.x[(0, j)]).collect();
        let want = [-1.0, -0.6, 1.0, -0.2];
        for (a, b) in row0.iter().zip(want) {
            assert!((a - b).abs() < 1e-15, "{row0:?}");
        }
        let one = idx::load_mnist_train(dir, Some(1)).unwrap();
        assert_eq!((one.x.rows(), one.labels.clone()), (1, vec![3]));
    }
    let missing = scratch("missing");
    let e = idx::load_mnist_train(&missing, None).unwrap_err();
    assert!(e.to_string().contains("train-images-idx3-ubyte"), "{e}");
}

#[test]
fn hostile_idx_files_are_refused() {
    let msg = |bytes: &[u8]| parse_idx(bytes, "h").unwrap_err().to_string();
    assert!(msg(&[0, 0]).contains("magic"));
    assert!(msg(&[1, 0, 8, 1, 0, 0, 0, 0]).contains("two zero bytes"));
    assert!(msg(&idx_bytes(0x0A, &[1], &[0])).contains("0x0A"));
    assert!(msg(&idx_bytes(0x08, &[], &[])).contains("zero dimensions"));
    assert!(msg(&[0, 0, 8, 2, 0, 0, 0, 1]).contains("dimension 1"));
    assert!(msg(&idx_bytes(0x08, &[3], &[1, 2])).contains("announces 3"));
    assert!(msg(&idx_bytes(0x08, &[1], &[1, 2])).contains("trailing"));
    // 2³² · 2³² · 2³² elements: the count overflows u64 before any allocation.
    let huge = idx_bytes(0x08, &[u32::MAX, u32::MAX, u32::MAX], &[]);
    assert!(msg(&huge).contains("overflows"));
    // 2³² · 8 bytes > the cap: refused as too large, nothing read.
    let big = idx_bytes(0x0E, &[u32::MAX], &[]);
    assert!(matches!(
        parse_idx(&big[..], "h"),
        Err(Error::TooLarge { .. })
    ));
    let nan = idx_bytes(0x0E, &[1], &f64::NAN.to_be_bytes());
    assert!(matches!(
        parse_idx(&nan[..], "h"),
        Err(Error::NonFinite { .. })
    ));
    // A gzip stream that unpacks to more than announced.
    let dir = scratch("hostile");
    let p = dir.join("x.idx.gz");
    std::fs::write(&p, gz(&idx_bytes(0x08, &[1], &[1, 2, 3]))).unwrap();
    assert!(idx::read_idx(&p)
        .unwrap_err()
        .to_string()
        .contains("trailing"));
    // Images and labels of different lengths.
    let images = idx::IdxArray {
        dims: vec![2, 1, 1],
        data: vec![0.0, 1.0],
    };
    let labels = idx::IdxArray {
        dims: vec![1],
        data: vec![0.0],
    };
    assert!(idx::labelled_images(&images, &labels, "m").is_err());
    let bad_label = idx::IdxArray {
        dims: vec![2],
        data: vec![0.0, 0.5],
    };
    assert!(idx::labelled_images(&images, &bad_label, "m").is_err());
}

#[test]
fn bundled_digits_have_the_published_shape_and_class_counts() {
    let set = digits::load_bundled_digits().unwrap();
    assert_eq!(set.x.shape(), (1797, 64));
    assert_eq!(set.classes, 10);
    // scikit-learn's documentation of load_digits: about 180 images per class.
    let mut counts = [0usize; 10];
    for &l in &set.labels {
        counts[l] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // First image starts 0, 0, 5, 13 (a zero): 2v/16 − 1.
    assert_eq!(set.labels[0], 0);
    assert_eq!(
        (0..4).map(|j| set.x[(0, j)]).collect::<Vec<_>>(),
        vec![-1.0, -1.0, -0.375, 0.625]
    );
    assert!(set.x.as_slice().iter().all(|v| (-1.0..=1.0).contains(v)));
}

#[test]
fn malformed_digits_text_is_refused_with_the_line() {
    let row = |cells: usize, last: &str| {
        let mut v = vec!["0"; cells - 1];
        v.push(last);
        v.join(",")
    };
    let ok = row(65, "3");
    let set = parse_digits(&format!("{ok}\n{ok}\n"), "d").unwrap();
    assert_eq!(set.labels, vec![3, 3]);
    let e = parse_digits(&format!("{ok}\n{}\n", row(64, "3")), "d").unwrap_err();
    assert!(
        e.to_string().contains("line 2") && e.to_string().contains("64 cells"),
        "{e}"
    );
    let e = parse_digits(&row(65, "10"), "d").unwrap_err();
    assert!(e.to_string().contains("column 65"), "{e}");
    let pixel17 = format!("17,{}", row(64, "1"));
    assert!(parse_digits(&pixel17, "d")
        .unwrap_err()
        .to_string()
        .contains("0..=16"));
    let frac = format!("1.5,{}", row(64, "1"));
    assert!(parse_digits(&frac, "d").is_err());
    assert!(parse_digits("", "d")
        .unwrap_err()
        .to_string()
        .contains("no images"));
    let dir = scratch("digits");
    let p = dir.join("d.csv.gz");
    std::fs::write(&p, gz(format!("{ok}\n").as_bytes())).unwrap();
    assert_eq!(digits::read_digits(&p).unwrap().labels, vec![3]);
}
