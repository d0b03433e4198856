//! NumPy `.npy` files (format versions 1–3) holding little-endian `f64` arrays of
//! one or two dimensions, in C or Fortran order: the exchange format of the Python
//! comparison scripts.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

fn bad(why: impl Into<String>) -> Error {
    Error::InvalidInput(format!("malformed .npy: {}", why.into()))
}

/// Parse the bytes of an `.npy` file into a matrix (a 1-D array becomes a column).
/// Non-finite entries are rejected.
pub fn parse(bytes: &[u8]) -> Result<Matrix<f64>> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("missing magic string"));
    }
    let major = bytes[6];
    let (header_len, start): (usize, usize) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(bad("truncated header length"));
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(bad(format!("unsupported version {v}"))),
    };
    let end = start
        .checked_add(header_len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| bad("truncated header"))?;
    let header = std::str::from_utf8(&bytes[start..end]).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Result<&str> {
        let k = header
            .find(&format!("'{key}'"))
            .ok_or_else(|| bad(format!("no '{key}' in header")))?;
        let rest = &header[k + key.len() + 2..];
        let colon = rest.find(':').ok_or_else(|| bad("header syntax"))?;
        Ok(rest[colon + 1..].trim_start())
    };
    let descr = field("descr")?;
    if !(descr.starts_with("'<f8'") || descr.starts_with("'float64'")) {
        return Err(bad(format!(
            "only little-endian f64 ('<f8') is supported, found {}",
            descr.chars().take(10).collect::<String>()
        )));
    }
    let fortran = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let inner = shape_text
        .strip_prefix('(')
        .ok_or_else(|| bad("shape syntax"))?;
    let close = inner.find(')').ok_or_else(|| bad("shape syntax"))?;
    let dims: Vec<usize> = inner[..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("shape entry")))
        .collect::<Result<_>>()?;
    let (rows, cols) = match dims.as_slice() {
        [n] => (*n, 1),
        [r, c] => (*r, *c),
        _ => return Err(bad("only 1-D and 2-D arrays are supported")),
    };
    let count = rows
        .checked_mul(cols)
        .ok_or_else(|| bad("shape overflows"))?;
    let data = &bytes[end..];
    if data.len() != count.checked_mul(8).ok_or_else(|| bad("shape overflows"))? {
        return Err(bad(format!(
            "expected {count} f64 values, found {} bytes",
            data.len()
        )));
    }
    let values: Vec<f64> = data
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
        .collect();
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            context: ".npy data".into(),
        });
    }
    let m = if fortran || cols == 1 {
        Matrix::from_col_major(rows, cols, values)?
    } else {
        Matrix::from_fn(rows, cols, |i, j| values[i * cols + j])
    };
    Ok(m)
}

/// Read an `.npy` file.
pub fn read(path: &Path) -> Result<Matrix<f64>> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    parse(&bytes)
}

/// Serialise a matrix as an `.npy` (version 1.0, Fortran order) byte string.
pub fn to_bytes(m: &Matrix<f64>) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': True, 'shape': ({}, {}), }}",
        m.rows(),
        m.cols()
    );
    // Pad so that the data starts on a 64-byte boundary, header ending in '\n'.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(10 + header.len() + 8 * m.as_slice().len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in m.as_slice() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Write a matrix to an `.npy` file.
pub fn write(path: &Path, m: &Matrix<f64>) -> Result<()> {
    std::fs::write(path, to_bytes(m))
        .map_err(|e| Error::InvalidInput(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_c_order() {
        let m = Matrix::from_f64_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.5]]).unwrap();
        assert_eq!(parse(&to_bytes(&m)).unwrap(), m);
        // A C-order file as NumPy writes it for np.array([[1,2,3],[4,5,6.5]]).
        let mut header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }".to_string();
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for v in [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.5] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(parse(&bytes).unwrap(), m);
    }

    #[test]
    fn corrupted_files_are_typed_errors() {
        let m = Matrix::from_f64_rows(&[vec![1.0, 2.0]]).unwrap();
        let good = to_bytes(&m);
        for cut in [0, 5, 9, 20, good.len() - 1] {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut nan = good.clone();
        let n = nan.len();
        nan[n - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
        assert!(matches!(parse(&nan), Err(Error::NonFinite { .. })));
        // Found by the io_readers fuzz target: a shape that starts with ')' and a
        // multi-byte character in the descr field used to panic on slicing.
        for header in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': )2(2, }",
            "{'descr': 'ééééééééééé', 'fortran_order': False, 'shape': (1,), }",
        ] {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&[1, 0]);
            bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
            bytes.extend_from_slice(header.as_bytes());
            assert!(parse(&bytes).is_err(), "{header}");
        }
        let mut wrong_type = good.clone();
        let pos = wrong_type.windows(3).position(|w| w == b"<f8").unwrap();
        wrong_type[pos + 2] = b'4';
        assert!(parse(&wrong_type).is_err());
    }
}
