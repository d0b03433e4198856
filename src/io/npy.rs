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

/// The header of an `.npy` file: where the data start, the order and the shape.
struct Header {
    data_start: usize,
    fortran: bool,
    rows: usize,
    cols: usize,
}

impl Header {
    fn count(&self) -> Result<usize> {
        self.rows
            .checked_mul(self.cols)
            .ok_or_else(|| bad("shape overflows"))
    }
}

/// The fixed prefix: `(header length, offset of the header text)`.
fn prefix(bytes: &[u8]) -> Result<(usize, usize)> {
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("missing magic string"));
    }
    match bytes[6] {
        1 => Ok((u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10)),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err(bad("truncated header length"));
            }
            Ok((
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            ))
        }
        v => Err(bad(format!("unsupported version {v}"))),
    }
}

/// Parse the header (`bytes` must hold at least the prefix and the header text).
fn parse_header(bytes: &[u8]) -> Result<Header> {
    let (header_len, start) = prefix(bytes)?;
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
    Ok(Header {
        data_start: end,
        fortran,
        rows,
        cols,
    })
}

/// Store little-endian f64 `chunk` (whole values) starting at flat index `first` of the
/// file's order into the column-major `out`.
fn place(h: &Header, chunk: &[u8], first: usize, out: &mut [f64]) -> Result<()> {
    for (k, c) in chunk.chunks_exact(8).enumerate() {
        let v = f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        if !v.is_finite() {
            return Err(Error::NonFinite {
                context: ".npy data".into(),
            });
        }
        let idx = first + k;
        let dest = if h.fortran || h.cols == 1 {
            idx
        } else {
            (idx % h.cols) * h.rows + idx / h.cols
        };
        out[dest] = v;
    }
    Ok(())
}

/// Parse the bytes of an `.npy` file into a matrix (a 1-D array becomes a column).
/// Non-finite entries are rejected.
pub fn parse(bytes: &[u8]) -> Result<Matrix<f64>> {
    let h = parse_header(bytes)?;
    let count = h.count()?;
    let data = &bytes[h.data_start..];
    if data.len() != count.checked_mul(8).ok_or_else(|| bad("shape overflows"))? {
        return Err(bad(format!(
            "expected {count} f64 values, found {} bytes",
            data.len()
        )));
    }
    let mut values = vec![0.0; count];
    place(&h, data, 0, &mut values)?;
    Matrix::from_col_major(h.rows, h.cols, values)
}

/// Read an `.npy` file, streaming the data into the matrix (peak memory: the matrix
/// plus a 1 MiB buffer).
pub fn read(path: &Path) -> Result<Matrix<f64>> {
    use std::io::Read;
    let io =
        |e: std::io::Error| Error::InvalidInput(format!("cannot read {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let file_len = file.metadata().map_err(io)?.len();
    let mut head = vec![0u8; 12];
    let got = read_up_to(&mut file, &mut head).map_err(io)?;
    head.truncate(got);
    let (header_len, start) = prefix(&head)?;
    if header_len > 1 << 20 {
        return Err(bad("header longer than 1 MiB"));
    }
    let total = start + header_len;
    if head.len() < total {
        let mut rest = vec![0u8; total - head.len()];
        let got = read_up_to(&mut file, &mut rest).map_err(io)?;
        rest.truncate(got);
        head.extend_from_slice(&rest);
    } else {
        // Version 1 headers start at byte 10: the prefix read 2 data bytes too many.
        head.truncate(total);
    }
    let h = parse_header(&head)?;
    let count = h.count()?;
    let data_len = count.checked_mul(8).ok_or_else(|| bad("shape overflows"))?;
    if file_len != (h.data_start + data_len) as u64 {
        return Err(bad(format!(
            "expected {count} f64 values, found {} bytes",
            file_len.saturating_sub(h.data_start as u64)
        )));
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut skip = vec![0u8; h.data_start];
    file.read_exact(&mut skip).map_err(io)?;
    let mut values = vec![0.0; count];
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0;
    while done < count {
        let take = ((count - done) * 8).min(buf.len());
        file.read_exact(&mut buf[..take]).map_err(io)?;
        place(&h, &buf[..take], done, &mut values)?;
        done += take / 8;
    }
    Matrix::from_col_major(h.rows, h.cols, values)
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            k => got += k,
        }
    }
    Ok(got)
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
    fn streaming_read_matches_parse() {
        let dir = std::env::temp_dir().join(format!("pb-npy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Fortran order (written by `write`) and a C-order file, several chunk sizes.
        let m = Matrix::from_fn(300, 700, |i, j| (i * 1000 + j) as f64 * 0.5 - 7.0);
        let f = dir.join("m.npy");
        write(&f, &m).unwrap();
        assert_eq!(read(&f).unwrap(), m);
        let mut header = format!(
            "{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
            m.rows(),
            m.cols()
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&[1, 0]);
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        for i in 0..m.rows() {
            for j in 0..m.cols() {
                bytes.extend_from_slice(&m[(i, j)].to_le_bytes());
            }
        }
        let c = dir.join("c.npy");
        std::fs::write(&c, &bytes).unwrap();
        assert_eq!(read(&c).unwrap(), m);
        assert_eq!(parse(&bytes).unwrap(), m);
        // Truncated and over-long files are errors, never a partial matrix.
        std::fs::write(&c, &bytes[..bytes.len() - 3]).unwrap();
        assert!(read(&c).is_err());
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0; 8]);
        std::fs::write(&c, &longer).unwrap();
        assert!(read(&c).is_err());
        std::fs::write(&c, &bytes[..11]).unwrap();
        assert!(read(&c).is_err());
        let _ = std::fs::remove_dir_all(&dir);
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
