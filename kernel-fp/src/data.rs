//! Reading the data of a level-2 certificate: exact numbers written inline (converted to
//! binary64 with directed rounding), or `.npy` files bound by SHA-256 (read exactly).
//!
//! Every size is checked before anything large is allocated: inline shapes from the
//! parsed JSON, file shapes from the `.npy` header (and the file length must match).
//! Values must be finite and either zero or of magnitude in `[2⁻⁴⁰⁰, 2⁴⁰⁰]`: products
//! of two data values then neither underflow nor overflow, and no Gram entry can
//! overflow for fewer than `2²⁰⁰` rows.

use crate::format::{FileRef, MatrixRef};
use piggyback_kernel::certificate::num;
use piggyback_kernel::error::{bad_data, CheckFailure};
use rug::float::Round;
use rug::{Float, Rational};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Largest number of entries of one data matrix (`2²⁵`: 256 MiB of binary64).
pub const MAX_ENTRIES: usize = 1 << 25;
/// Exponent bound of accepted data values: zero or `2⁻ᴱ ≤ |x| ≤ 2ᴱ`.
pub const MAX_EXP: i32 = 400;

/// A data matrix `X` enclosed as `X̃ + E`, `‖E‖_F ≤ rad_fro`, stored column-major.
#[derive(Debug)]
pub struct Data {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// `X̃`, column-major.
    pub x: Vec<f64>,
    /// An upper bound of `‖X − X̃‖_F` (0 when the data are binary64 values).
    pub rad_fro: f64,
    /// The SHA-256 (hex) of the data file, when the data are in one.
    pub sha256: Option<String>,
}

/// The shape of a data reference, read cheaply (a file's header only); a vector of
/// `k` entries is `k × 1`.
pub fn shape(m: &MatrixRef, base: &Path, at: &str) -> Result<(usize, usize), CheckFailure> {
    match m {
        MatrixRef::Rows(rows) => Ok((rows.len(), rows.first().map_or(0, Vec::len))),
        MatrixRef::Vector(v) => Ok((v.len(), 1)),
        MatrixRef::File(f) => {
            let bytes = read_head(&base.join(&f.npy), at)?;
            Ok(npy_header(&bytes, at)?.0)
        }
    }
}

fn check_value(x: f64, at: &str) -> Result<(), CheckFailure> {
    let lim = 2f64.powi(MAX_EXP);
    if x == 0.0 || (x.is_finite() && x.abs() <= lim && x.abs() >= 1.0 / lim) {
        Ok(())
    } else {
        Err(bad_data(
            at,
            format!(
                "value {x:e} is not finite, or outside the accepted magnitudes 0 or \
                 [2^-{MAX_EXP}, 2^{MAX_EXP}] (level 2 refuses data that could underflow)"
            ),
        ))
    }
}

/// Read a data reference (shape already checked by the caller against the budget).
pub fn load(m: &MatrixRef, base: &Path, at: &str) -> Result<Data, CheckFailure> {
    match m {
        MatrixRef::File(f) => load_npy(f, base, at),
        MatrixRef::Rows(rows) => {
            let (r, c) = (rows.len(), rows.first().map_or(0, Vec::len));
            if r == 0 || c == 0 || r.saturating_mul(c) > MAX_ENTRIES {
                return Err(bad_data(at, format!("{r}x{c}: empty or too many entries")));
            }
            let mut cells = Vec::with_capacity(r * c);
            for (i, row) in rows.iter().enumerate() {
                if row.len() != c {
                    return Err(bad_data(format!("{at}[{i}]"), "rows of unequal length"));
                }
                cells.push(row);
            }
            let mut x = vec![0.0; r * c];
            let mut rad2 = 0.0;
            for (i, row) in cells.iter().enumerate() {
                for (j, t) in row.iter().enumerate() {
                    let (lo, hi) = enclose(t, &format!("{at}[{i}][{j}]"))?;
                    x[j * r + i] = lo;
                    rad2 += (hi - lo) * (hi - lo); // hi − lo: one ulp, exact
                }
            }
            let rad_fro = crate::fp::up(crate::fp::sum_upper(rad2, r * c).sqrt());
            Ok(Data {
                rows: r,
                cols: c,
                x,
                rad_fro,
                sha256: None,
            })
        }
        MatrixRef::Vector(v) => load(
            &MatrixRef::Rows(v.iter().map(|t| vec![t.clone()]).collect()),
            base,
            at,
        ),
    }
}

/// The binary64 numbers `lo ≤ q ≤ hi` next to the exact number `t` (rug's correctly
/// rounded conversion, toward −∞ and +∞; `lo = hi` when `q` is a binary64 value).
pub fn enclose(t: &str, at: &str) -> Result<(f64, f64), CheckFailure> {
    let q = num(t, at)?;
    let lim = Rational::from(rug::Integer::from(1) << MAX_EXP as u32);
    let abs = Rational::from(q.abs_ref());
    if q != 0 && (abs > lim || abs * &lim < 1) {
        return Err(bad_data(
            at,
            format!("outside the accepted magnitudes 0 or [2^-{MAX_EXP}, 2^{MAX_EXP}]"),
        ));
    }
    let lo = Float::with_val_round(53, &q, Round::Down)
        .0
        .to_f64_round(Round::Down);
    let hi = Float::with_val_round(53, &q, Round::Up)
        .0
        .to_f64_round(Round::Up);
    Ok((lo, hi))
}

/// The SHA-256 of `bytes`, lowercase hex (how certificates bind data files).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn read_head(path: &Path, at: &str) -> Result<Vec<u8>, CheckFailure> {
    use std::io::Read;
    let f = std::fs::File::open(path)
        .map_err(|e| bad_data(at, format!("cannot open {}: {e}", path.display())))?;
    let mut head = Vec::new();
    f.take(1 << 16)
        .read_to_end(&mut head)
        .map_err(|e| bad_data(at, format!("cannot read {}: {e}", path.display())))?;
    Ok(head)
}

/// `((rows, cols), fortran_order, data offset)` of an `.npy` file of little-endian
/// binary64 (`'<f8'`), 1-D (a column) or 2-D; anything else is refused.
fn npy_header(b: &[u8], at: &str) -> Result<((usize, usize), bool, usize), CheckFailure> {
    let bad = |why: &str| bad_data(at, format!("not a little-endian f64 .npy file: {why}"));
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(bad("no .npy magic"));
    }
    let (len, start) = match b[6] {
        1 => (usize::from(u16::from_le_bytes([b[8], b[9]])), 10),
        2 | 3 if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        _ => return Err(bad("unknown version")),
    };
    let text = b
        .get(start..start + len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    let h: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let descr = field(&h, "descr").ok_or_else(|| bad("no descr"))?;
    if !descr.starts_with("'<f8'") {
        return Err(bad("dtype is not '<f8'"));
    }
    let fortran = match field(&h, "fortran_order") {
        Some(v) if v.starts_with("False") => false,
        Some(v) if v.starts_with("True") => true,
        _ => return Err(bad("no fortran_order")),
    };
    let shape = field(&h, "shape").ok_or_else(|| bad("no shape"))?;
    let inner = shape
        .strip_prefix('(')
        .and_then(|s| s.split_once(')'))
        .ok_or_else(|| bad("bad shape"))?
        .0;
    let dims: Vec<usize> = inner
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<_, _>>()?;
    if h.matches("':").count() != 3 || !h.starts_with('{') || !h.ends_with('}') {
        return Err(bad("unexpected header keys"));
    }
    let shape = match dims[..] {
        [r] => (r, 1),
        [r, c] => (r, c),
        _ => return Err(bad("not 1-D or 2-D")),
    };
    if shape.0 == 0 || shape.1 == 0 || shape.0.saturating_mul(shape.1) > MAX_ENTRIES {
        return Err(bad_data(
            at,
            format!(
                "{}x{}: empty, or above {MAX_ENTRIES} entries",
                shape.0, shape.1
            ),
        ));
    }
    Ok((shape, fortran, start + len))
}

/// The text after `'key':` in a header with whitespace removed.
fn field<'a>(h: &'a str, key: &str) -> Option<&'a str> {
    let k = format!("'{key}':");
    let i = h.find(&k)? + k.len();
    Some(&h[i..])
}

fn load_npy(f: &FileRef, base: &Path, at: &str) -> Result<Data, CheckFailure> {
    let path = base.join(&f.npy);
    let ((r, c), fortran, offset) = npy_header(&read_head(&path, at)?, at)?;
    let want = offset + 8 * r * c;
    let meta = std::fs::metadata(&path)
        .map_err(|e| bad_data(at, format!("cannot read {}: {e}", path.display())))?;
    if meta.len() != want as u64 {
        return Err(bad_data(at, format!("file length {} ≠ {want}", meta.len())));
    }
    let bytes = std::fs::read(&path)
        .map_err(|e| bad_data(at, format!("cannot read {}: {e}", path.display())))?;
    let hash = sha256_hex(&bytes);
    if hash != f.sha256.to_ascii_lowercase() {
        return Err(CheckFailure::Rejected {
            step: format!("data binding: SHA-256 of {at}"),
            reason: format!(
                "{} has SHA-256 {hash}, the certificate says {}",
                f.npy, f.sha256
            ),
        });
    }
    let mut x = vec![0.0; r * c];
    for (k, w) in bytes
        .get(offset..want)
        .unwrap_or(&[])
        .chunks_exact(8)
        .enumerate()
    {
        let v = f64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        // C order: k = i·c + j; Fortran order: k = j·r + i. Stored column-major.
        let (i, j) = if fortran {
            (k % r, k / r)
        } else {
            (k / c, k % c)
        };
        check_value(v, &format!("{at}[{i}][{j}]"))?;
        x[j * r + i] = v;
    }
    Ok(Data {
        rows: r,
        cols: c,
        x,
        rad_fro: 0.0,
        sha256: Some(hash),
    })
}
