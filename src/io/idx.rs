//! IDX files (the format MNIST is distributed in), plain or gzip-compressed, and the
//! MNIST training set read from a directory of them.
//!
//! Layout: two zero bytes, a type code (`0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32,
//! `0x0D` f32, `0x0E` f64), the number of dimensions `d ≥ 1`, then `d` big-endian
//! `u32` sizes and the elements, big-endian, in row-major order. Every element is
//! converted to the `f64` it exactly equals (all six types fit).
//!
//! Hostile files get a typed error, never a panic or a huge allocation: the element
//! count is computed with overflow checks and capped at [`MAX_IDX_BYTES`] of data; the
//! data must be exactly as long as the header says (a gzip stream is unpacked at most
//! one byte past that length); NaN and infinities in float files are refused.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest data section read (in bytes, after decompression): 4 GiB.
pub const MAX_IDX_BYTES: u64 = 1 << 32;

/// An IDX array: its sizes and its elements in row-major order.
#[derive(Clone, Debug, PartialEq)]
pub struct IdxArray {
    /// Sizes of the dimensions, outermost first.
    pub dims: Vec<usize>,
    /// The elements, row-major, each exactly converted to `f64`.
    pub data: Vec<f64>,
}

fn bad(name: &str, why: impl std::fmt::Display) -> Error {
    Error::malformed(name, format!("malformed IDX file: {why}"))
}

/// Element size in bytes of an IDX type code.
fn element_size(code: u8) -> Option<usize> {
    match code {
        0x08 | 0x09 => Some(1),
        0x0B => Some(2),
        0x0C | 0x0D => Some(4),
        0x0E => Some(8),
        _ => None,
    }
}

/// Decode one big-endian element.
fn element(code: u8, b: &[u8]) -> f64 {
    match code {
        0x08 => f64::from(b[0]),
        0x09 => f64::from(b[0] as i8),
        0x0B => f64::from(i16::from_be_bytes([b[0], b[1]])),
        0x0C => f64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        0x0D => f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        // invariant: `element_size` admitted only the six codes, 0x0E is the last.
        _ => f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
    }
}

/// Parse an IDX array from a reader (the uncompressed stream); `name` labels errors.
pub fn parse_idx(mut r: impl Read, name: &str) -> Result<IdxArray> {
    let mut head = [0u8; 4];
    r.read_exact(&mut head)
        .map_err(|_| bad(name, "shorter than the 4-byte magic number"))?;
    if head[0] != 0 || head[1] != 0 {
        return Err(bad(name, "the magic number must start with two zero bytes"));
    }
    let code = head[2];
    let size = element_size(code)
        .ok_or_else(|| bad(name, format!("unknown element type code 0x{code:02X}")))?;
    let d = usize::from(head[3]);
    if d == 0 {
        return Err(bad(name, "zero dimensions"));
    }
    let mut dims = Vec::with_capacity(d);
    let mut count: u64 = 1;
    for k in 0..d {
        let mut b = [0u8; 4];
        r.read_exact(&mut b)
            .map_err(|_| bad(name, format!("header ends before dimension {k}")))?;
        let s = u32::from_be_bytes(b);
        dims.push(s as usize);
        count = count
            .checked_mul(u64::from(s))
            .ok_or_else(|| bad(name, "the element count overflows"))?;
    }
    let bytes = count
        .checked_mul(size as u64)
        .filter(|b| *b <= MAX_IDX_BYTES)
        .ok_or_else(|| Error::TooLarge {
            context: format!("{name}: IDX data of {count} elements exceeds {MAX_IDX_BYTES} bytes"),
        })?;
    // Read at most one byte more than announced, so trailing data is noticed without
    // reading an unbounded stream.
    let mut buf = Vec::new();
    r.take(bytes + 1)
        .read_to_end(&mut buf)
        .map_err(|e| bad(name, format!("cannot read the data: {e}")))?;
    if (buf.len() as u64) < bytes {
        return Err(bad(
            name,
            format!(
                "the header announces {bytes} data bytes, the file holds {}",
                buf.len()
            ),
        ));
    }
    if buf.len() as u64 > bytes {
        return Err(bad(name, "trailing bytes after the data"));
    }
    let data: Vec<f64> = buf.chunks_exact(size).map(|c| element(code, c)).collect();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: format!("{name}: IDX element {i}"),
        });
    }
    Ok(IdxArray { dims, data })
}

/// Read an IDX file, plain or gzip-compressed (recognised by its magic bytes `1f 8b`).
pub fn read_idx(path: &Path) -> Result<IdxArray> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", &name, &e))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        parse_idx(flate2::read::GzDecoder::new(&bytes[..]), &name)
    } else {
        parse_idx(&bytes[..], &name)
    }
}

/// Images and labels of a labelled image set.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelledImages {
    /// One image per row, pixels row by row, scaled to `[−1, 1]`.
    pub x: Matrix<f64>,
    /// The class of each image.
    pub labels: Vec<usize>,
    /// Number of classes (`max label + 1`).
    pub classes: usize,
}

/// The first of `candidates` that exists in `dir`.
fn find(dir: &Path, candidates: &[&str]) -> Result<PathBuf> {
    candidates
        .iter()
        .map(|c| dir.join(c))
        .find(|p| p.is_file())
        .ok_or_else(|| Error::Io {
            action: "find",
            path: format!("{} in {}", candidates.join(" or "), dir.display()),
            kind: std::io::ErrorKind::NotFound,
            message: "no such file".into(),
        })
}

/// Images (`N × rows × cols` u8 IDX) and labels (`N` u8 IDX) into a [`LabelledImages`];
/// pixels `v ∈ [0, 255]` become `2v/255 − 1`.
pub fn labelled_images(images: &IdxArray, labels: &IdxArray, name: &str) -> Result<LabelledImages> {
    if images.dims.len() != 3 || labels.dims.len() != 1 {
        return Err(Error::malformed(
            name,
            format!(
                "expected 3-D images and 1-D labels, got {:?} and {:?}",
                images.dims, labels.dims
            ),
        ));
    }
    let n = images.dims[0];
    if labels.dims[0] != n || n == 0 {
        return Err(Error::DimensionMismatch {
            op: "IDX images vs labels",
            left: (n, images.dims[1] * images.dims[2]),
            right: (labels.dims[0], 1),
        });
    }
    let p = images.dims[1] * images.dims[2];
    if images.data.iter().any(|v| !(0.0..=255.0).contains(v)) {
        return Err(Error::malformed(name, "pixel values must lie in 0..=255"));
    }
    let mut ls = Vec::with_capacity(n);
    for (i, &v) in labels.data.iter().enumerate() {
        if !((0.0..=255.0).contains(&v) && v.fract() == 0.0) {
            return Err(Error::Malformed {
                file: name.to_string(),
                at: format!("label {i}"),
                reason: format!("{v} is not a class index"),
            });
        }
        ls.push(v as usize);
    }
    let classes = ls.iter().max().map_or(0, |m| m + 1);
    let x = Matrix::from_fn(n, p, |i, j| 2.0 * images.data[i * p + j] / 255.0 - 1.0);
    Ok(LabelledImages {
        x,
        labels: ls,
        classes,
    })
}

/// The MNIST training set from a directory holding `train-images-idx3-ubyte` and
/// `train-labels-idx1-ubyte` (each possibly with a `.gz` suffix, or with the `.`
/// instead of `-` before `idx` as some mirrors name them); at most `limit` images.
pub fn load_mnist_train(dir: &Path, limit: Option<usize>) -> Result<LabelledImages> {
    let img = find(
        dir,
        &[
            "train-images-idx3-ubyte",
            "train-images-idx3-ubyte.gz",
            "train-images.idx3-ubyte",
            "train-images.idx3-ubyte.gz",
        ],
    )?;
    let lab = find(
        dir,
        &[
            "train-labels-idx1-ubyte",
            "train-labels-idx1-ubyte.gz",
            "train-labels.idx1-ubyte",
            "train-labels.idx1-ubyte.gz",
        ],
    )?;
    let mut images = read_idx(&img)?;
    let mut labels = read_idx(&lab)?;
    if let Some(k) = limit {
        if images.dims.len() == 3 && labels.dims.len() == 1 && k < images.dims[0] {
            let p = images.dims[1] * images.dims[2];
            images.dims[0] = k;
            images.data.truncate(k * p);
            labels.dims[0] = k.min(labels.dims[0]);
            labels.data.truncate(k);
        }
    }
    labelled_images(&images, &labels, &dir.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_codes_decode_big_endian() {
        assert_eq!(element(0x09, &[0xFF]), -1.0);
        assert_eq!(element(0x0B, &[0x01, 0x00]), 256.0);
        assert_eq!(element(0x0C, &[0xFF, 0xFF, 0xFF, 0xFE]), -2.0);
        assert_eq!(element(0x0D, &1.5f32.to_be_bytes()), 1.5);
        assert_eq!(element(0x0E, &(-0.25f64).to_be_bytes()), -0.25);
    }
}
