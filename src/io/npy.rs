//! NumPy `.npy` files and `.npz` archives of them, read with `npyz` (and `zip`).
//!
//! Accepted arrays: one or two dimensions (a 1-D array is a column), C or Fortran
//! order, element types `f8`, `f4`, `i1`–`i8`, `u1`–`u8`, little- or big-endian.
//! Values are taken exactly: a float is the rational its binary value is, an integer
//! is that integer (also beyond 2⁵³) — [`parse_matrix`] / [`read_matrix`] convert
//! these exact values to the scalar; [`parse_matrix_f64`] / [`read_matrix_f64`] give
//! nearest doubles without rationals (the reader for large designs). NaN and
//! infinities are refused.
//!
//! Hostile files get a typed error, never a panic or a huge allocation: the header is
//! bounded by the file, its integers hold at most [`MAX_HEADER_DIGITS`] digits (so the
//! element count cannot overflow) and it nests at most [`MAX_HEADER_NESTING`] brackets
//! deep; the data must be exactly as long as the shape says; an `.npz` member may
//! not unpack to more than [`MAX_NPZ_MEMBER_BYTES`].

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Scalar;
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar, WriterBuilder};
use std::io::Read;
use std::path::Path;

/// Most digits, in total, in the integers of an `.npy` header (the shape's product
/// then stays below 10¹⁹ < 2⁶⁴).
pub const MAX_HEADER_DIGITS: usize = 19;
/// Deepest bracket nesting accepted in an `.npy` header (a plain array needs 2).
pub const MAX_HEADER_NESTING: usize = 8;
/// Largest `.npz` member read, unpacked (2 GiB).
pub const MAX_NPZ_MEMBER_BYTES: u64 = 1 << 31;

const MAGIC: &[u8] = b"\x93NUMPY";

fn bad(why: impl std::fmt::Display) -> Error {
    Error::malformed("", format!("malformed .npy: {why}"))
}

/// The elements of an array, exactly.
enum Values {
    Float(Vec<f64>),
    Int(Vec<i128>),
}

/// A decoded 1-D or 2-D array.
struct Array {
    rows: usize,
    cols: usize,
    order: Order,
    values: Values,
}

impl Array {
    /// The matrix `M[i, j]` of the flat values, whatever the order (1-D arrays are
    /// columns).
    fn matrix<S: Scalar>(&self, flat: &[S]) -> Matrix<S> {
        let (rows, cols) = (self.rows, self.cols);
        match self.order {
            Order::Fortran => Matrix::from_fn(rows, cols, |i, j| flat[j * rows + i].clone()),
            Order::C => Matrix::from_fn(rows, cols, |i, j| flat[i * cols + j].clone()),
        }
    }
}

/// Check what `npyz` would trust: the magic string, the header length against the
/// file, the digits and nesting of the header text. Returns nothing; errors as
/// "malformed .npy".
fn precheck(bytes: &[u8]) -> Result<()> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("missing magic string"));
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        2 | 3 => return Err(bad("truncated header length")),
        v => return Err(bad(format!("unsupported format version {v}"))),
    };
    let header = start
        .checked_add(len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| bad("the header is longer than the file"))?;
    let digits = header.iter().filter(|b| b.is_ascii_digit()).count();
    if digits > MAX_HEADER_DIGITS {
        return Err(bad(format!(
            "the header holds {digits} digits (at most {MAX_HEADER_DIGITS}): shape too large"
        )));
    }
    let mut depth = 0usize;
    for b in header {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_HEADER_NESTING {
                    return Err(bad("the header nests too deeply"));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn read_all<T: npyz::Deserialize>(file: NpyFile<&[u8]>) -> Result<Vec<T>> {
    let reader = file.data::<T>().map_err(bad)?;
    reader.collect::<std::io::Result<Vec<T>>>().map_err(bad)
}

fn ints<T: npyz::Deserialize + Into<i128>>(file: NpyFile<&[u8]>) -> Result<Values> {
    Ok(Values::Int(
        read_all::<T>(file)?.into_iter().map(Into::into).collect(),
    ))
}

/// Decode an `.npy` byte string.
fn decode(bytes: &[u8]) -> Result<Array> {
    precheck(bytes)?;
    let mut data: &[u8] = bytes;
    let header = NpyHeader::from_reader(&mut data).map_err(bad)?;
    let (rows, cols) = match *header.shape() {
        [n] => (n, 1),
        [r, c] => (r, c),
        ref s => {
            return Err(bad(format!(
                "only 1-D and 2-D arrays are supported, found {} dimensions",
                s.len()
            )))
        }
    };
    let too_big = || bad("shape too large");
    let rows = usize::try_from(rows).map_err(|_| too_big())?;
    let cols = usize::try_from(cols).map_err(|_| too_big())?;
    let count = rows.checked_mul(cols).ok_or_else(too_big)?;
    let DType::Plain(ts) = header.dtype() else {
        return Err(bad("structured and sub-array dtypes are not supported"));
    };
    let descr = ts.to_string();
    let size = ts.num_bytes().unwrap_or(0);
    let expected = count.checked_mul(size).ok_or_else(too_big)?;
    if data.len() != expected {
        return Err(bad(format!(
            "the shape ({rows}, {cols}) of '{descr}' needs {expected} bytes of data, found {}",
            data.len()
        )));
    }
    let order = header.order();
    let file = NpyFile::with_header(header, data);
    let values = match (ts.type_char(), size) {
        (TypeChar::Float, 8) => Values::Float(read_all::<f64>(file)?),
        (TypeChar::Float, 4) => {
            Values::Float(read_all::<f32>(file)?.into_iter().map(f64::from).collect())
        }
        (TypeChar::Int, 1) => ints::<i8>(file)?,
        (TypeChar::Int, 2) => ints::<i16>(file)?,
        (TypeChar::Int, 4) => ints::<i32>(file)?,
        (TypeChar::Int, 8) => ints::<i64>(file)?,
        (TypeChar::Uint, 1) => ints::<u8>(file)?,
        (TypeChar::Uint, 2) => ints::<u16>(file)?,
        (TypeChar::Uint, 4) => ints::<u32>(file)?,
        (TypeChar::Uint, 8) => ints::<u64>(file)?,
        _ => {
            return Err(bad(format!(
                "unsupported dtype '{descr}' (expected f8, f4, i1-i8 or u1-u8)"
            )))
        }
    };
    if let Values::Float(v) = &values {
        if let Some(k) = v.iter().position(|x| !x.is_finite()) {
            return Err(Error::NonFinite {
                context: format!(".npy data (element {k})"),
            });
        }
    }
    Ok(Array {
        rows,
        cols,
        order,
        values,
    })
}

/// Parse an `.npy` byte string into a matrix, each element's exact value converted
/// to `S` (a 1-D array becomes a column).
pub fn parse_matrix<S: Scalar>(bytes: &[u8]) -> Result<Matrix<S>> {
    let a = decode(bytes)?;
    // Integers up to 2⁵³ are doubles exactly; larger ones go through an exact integer.
    const EXACT_IN_F64: i128 = 1 << 53;
    let flat: Vec<S> = match &a.values {
        Values::Float(v) => v.iter().map(|&x| S::from_f64(x)).collect::<Result<_>>()?,
        Values::Int(v) => v
            .iter()
            .map(|&x| {
                if x.abs() <= EXACT_IN_F64 {
                    S::from_f64(x as f64)
                } else {
                    Ok(S::from_rational(&rug::Rational::from(rug::Integer::from(
                        x,
                    ))))
                }
            })
            .collect::<Result<_>>()?,
    };
    Ok(a.matrix(&flat))
}

/// Parse an `.npy` byte string into an f64 matrix (nearest doubles; no rationals).
pub fn parse_matrix_f64(bytes: &[u8]) -> Result<Matrix<f64>> {
    parse_matrix_f64_exactness(bytes).map(|(m, _)| m)
}

/// As [`parse_matrix_f64`], and whether every element is its file value exactly (floats
/// always are; an integer beyond 2⁵³ may be rounded). Proofs use it to choose the data
/// radius.
pub fn parse_matrix_f64_exactness(bytes: &[u8]) -> Result<(Matrix<f64>, bool)> {
    let mut a = decode(bytes)?;
    let (flat, exact): (Vec<f64>, bool) =
        match std::mem::replace(&mut a.values, Values::Float(Vec::new())) {
            Values::Float(v) => (v, true),
            // `as` rounds an integer to the nearest double.
            Values::Int(v) => {
                let exact = v.iter().all(|&x| x.abs() <= 1 << 53);
                (v.into_iter().map(|x| x as f64).collect(), exact)
            }
        };
    Ok((a.matrix(&flat), exact))
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io("read", path.display(), &e))
}

/// Prefix an error with where it happened.
fn within(source: &str, e: Error) -> Error {
    match e {
        Error::Malformed { file, at, reason } if file.is_empty() => Error::Malformed {
            file: source.to_string(),
            at,
            reason,
        },
        Error::NonFinite { context } => Error::NonFinite {
            context: format!("{source}: {context}"),
        },
        e @ Error::Io { .. } => e,
        other => Error::malformed(source, other.plain()),
    }
}

/// Read an `.npy` file (exact values converted to `S`).
pub fn read_matrix<S: Scalar>(path: &Path) -> Result<Matrix<S>> {
    parse_matrix(&read_bytes(path)?).map_err(|e| within(&path.display().to_string(), e))
}

/// Read an `.npy` file as f64 (fast path).
pub fn read_matrix_f64(path: &Path) -> Result<Matrix<f64>> {
    parse_matrix_f64(&read_bytes(path)?).map_err(|e| within(&path.display().to_string(), e))
}

/// Read an `.npy` file as f64, with [`parse_matrix_f64_exactness`]'s flag.
pub fn read_matrix_f64_exactness(path: &Path) -> Result<(Matrix<f64>, bool)> {
    parse_matrix_f64_exactness(&read_bytes(path)?)
        .map_err(|e| within(&path.display().to_string(), e))
}

/// The `.npy` bytes of the array `name` in an `.npz` archive given as bytes.
pub fn npz_member(archive: &[u8], name: &str) -> Result<Vec<u8>> {
    let zip_err = |e: zip::result::ZipError| Error::malformed("", format!("malformed .npz: {e}"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(archive)).map_err(zip_err)?;
    let member = format!("{name}.npy");
    let available = || {
        let mut names: Vec<&str> = zip
            .file_names()
            .filter_map(|f| f.strip_suffix(".npy"))
            .collect();
        names.sort_unstable();
        names.join(", ")
    };
    if zip.index_for_name(&member).is_none() {
        return Err(Error::malformed(
            "",
            format!(
                "no array '{name}' in the archive (it holds: {})",
                available()
            ),
        ));
    }
    let file = zip.by_name(&member).map_err(zip_err)?;
    if file.size() > MAX_NPZ_MEMBER_BYTES {
        return Err(Error::TooLarge {
            context: format!(
                "array '{name}' unpacks to {} bytes (at most {MAX_NPZ_MEMBER_BYTES})",
                file.size()
            ),
        });
    }
    let mut out = Vec::new();
    // The declared size may lie: read at most one byte past the cap.
    file.take(MAX_NPZ_MEMBER_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::malformed("", format!("malformed .npz member '{name}': {e}")))?;
    if out.len() as u64 > MAX_NPZ_MEMBER_BYTES {
        return Err(Error::TooLarge {
            context: format!("array '{name}' unpacks to more than {MAX_NPZ_MEMBER_BYTES} bytes"),
        });
    }
    Ok(out)
}

/// Read the array `name` of an `.npz` archive (exact values converted to `S`).
pub fn read_npz_matrix<S: Scalar>(path: &Path, name: &str) -> Result<Matrix<S>> {
    let source = format!("{} [{name}]", path.display());
    npz_member(&read_bytes(path)?, name)
        .and_then(|b| parse_matrix(&b))
        .map_err(|e| within(&source, e))
}

/// Read the array `name` of an `.npz` archive as f64 (fast path).
pub fn read_npz_matrix_f64(path: &Path, name: &str) -> Result<Matrix<f64>> {
    let source = format!("{} [{name}]", path.display());
    npz_member(&read_bytes(path)?, name)
        .and_then(|b| parse_matrix_f64(&b))
        .map_err(|e| within(&source, e))
}

/// Serialise a matrix as `.npy` bytes (`<f8`, Fortran order).
pub fn to_bytes(m: &Matrix<f64>) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + 8 * m.as_slice().len());
    let shape = [m.rows() as u64, m.cols() as u64];
    // invariant: writing to a Vec cannot fail, and f64 has a default dtype.
    let written = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .order(Order::Fortran)
        .writer(&mut out)
        .begin_nd()
        .and_then(|mut w| {
            w.extend(m.as_slice().iter().copied())?;
            w.finish()
        });
    debug_assert!(written.is_ok(), "writing .npy to memory failed");
    out
}

/// Write a matrix to an `.npy` file.
pub fn write(path: &Path, m: &Matrix<f64>) -> Result<()> {
    std::fs::write(path, to_bytes(m)).map_err(|e| Error::io("write", path.display(), &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An `.npy` file: the header text (padded as NumPy does) and the data bytes.
    pub(crate) fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.to_string();
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
        bytes.extend_from_slice(h.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    }

    #[test]
    fn round_trip_and_c_order() {
        let m = Matrix::from_f64_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.5]]).unwrap();
        assert_eq!(parse_matrix_f64(&to_bytes(&m)).unwrap(), m);
        // A C-order file as NumPy writes it for np.array([[1,2,3],[4,5,6.5]]).
        let data: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.5]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let bytes = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
            &data,
        );
        assert_eq!(parse_matrix_f64(&bytes).unwrap(), m);
    }

    #[test]
    fn corrupted_files_are_typed_errors() {
        let m = Matrix::from_f64_rows(&[vec![1.0, 2.0]]).unwrap();
        let good = to_bytes(&m);
        for cut in [0, 5, 9, 20, good.len() - 1] {
            assert!(parse_matrix_f64(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut nan = good.clone();
        let n = nan.len();
        nan[n - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(matches!(
            parse_matrix_f64(&nan),
            Err(Error::NonFinite { .. })
        ));
        // Found by the io_readers fuzz target (old hand-written reader): a shape that
        // starts with ')' and a multi-byte character in the descr field.
        for header in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': )2(2, }",
            "{'descr': 'ééééééééééé', 'fortran_order': False, 'shape': (1,), }",
        ] {
            assert!(parse_matrix_f64(&npy(header, &[])).is_err(), "{header}");
        }
    }
}
