//! The 8×8 handwritten digits data set in scikit-learn's file format
//! (`digits.csv.gz`: one image per line, 64 integer pixels in `0..=16` row by row, then
//! the label `0..=9`), plain or gzip-compressed. A copy ships in
//! `examples/data/digits.csv.gz` (see `examples/data/DIGITS-LICENSE.md`).
//!
//! Every cell must be an integer in its range and every line must have 65 cells:
//! anything else is a typed error naming the line.

use super::idx::LabelledImages;
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use std::io::Read;
use std::path::Path;

/// Pixels per image.
pub const PIXELS: usize = 64;
/// Largest pixel value.
pub const MAX_PIXEL: u32 = 16;

/// Largest text read (after decompression): 256 MiB, far above the 1797-image file.
pub const MAX_TEXT_BYTES: u64 = 1 << 28;

/// The copy in this repository (a path into the source tree the crate was built from).
pub const BUNDLED_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits.csv.gz");

/// Parse the digits CSV text; `name` labels errors. Pixels `v ∈ [0, 16]` become
/// `2v/16 − 1 ∈ [−1, 1]` (the scaling the MNIST reader uses).
pub fn parse_digits(text: &str, name: &str) -> Result<LabelledImages> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut pixels: Vec<f64> = Vec::new();
    let mut labels = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| Error::Malformed {
            file: name.to_string(),
            at: format!("line {}", line + 1),
            reason: e.to_string(),
        })?;
        if rec.len() != PIXELS + 1 {
            return Err(Error::Malformed {
                file: name.to_string(),
                at: format!("line {}", line + 1),
                reason: format!(
                    "{} cells, expected {} (64 pixels and a label)",
                    rec.len(),
                    PIXELS + 1
                ),
            });
        }
        for (col, cell) in rec.iter().enumerate() {
            let max = if col == PIXELS { 9 } else { MAX_PIXEL };
            let v: u32 = cell
                .trim()
                .parse()
                .ok()
                .filter(|v| *v <= max)
                .ok_or_else(|| Error::Malformed {
                    file: name.to_string(),
                    at: format!("line {}, column {}", line + 1, col + 1),
                    reason: format!("{cell:?} is not an integer in 0..={max}"),
                })?;
            if col == PIXELS {
                labels.push(v as usize);
            } else {
                pixels.push(2.0 * f64::from(v) / f64::from(MAX_PIXEL) - 1.0);
            }
        }
    }
    let n = labels.len();
    if n == 0 {
        return Err(Error::Empty {
            what: format!("{name} (no images)"),
        });
    }
    let x = Matrix::from_fn(n, PIXELS, |i, j| pixels[i * PIXELS + j]);
    let classes = labels.iter().max().map_or(0, |m| m + 1);
    Ok(LabelledImages { x, labels, classes })
}

/// Read the digits file at `path` (gzip-compressed when it starts with `1f 8b`).
pub fn read_digits(path: &Path) -> Result<LabelledImages> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", &name, &e))?;
    let mut text = String::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(&bytes[..])
            .take(MAX_TEXT_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| Error::malformed(&name, format!("cannot decompress: {e}")))?;
        if text.len() as u64 > MAX_TEXT_BYTES {
            return Err(Error::TooLarge {
                context: format!("{name}: unpacks to more than {MAX_TEXT_BYTES} bytes"),
            });
        }
    } else {
        text = String::from_utf8(bytes).map_err(|_| Error::malformed(&name, "not UTF-8 text"))?;
    }
    parse_digits(&text, &name)
}

/// The bundled copy ([`BUNDLED_PATH`]).
pub fn load_bundled_digits() -> Result<LabelledImages> {
    read_digits(Path::new(BUNDLED_PATH))
}
