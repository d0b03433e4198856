//! Numeric CSV matrices. Cells are read as exact decimals (`0.1` is `1/10`), so a
//! rational or interval computation sees the number that is written in the file;
//! f64 gets the nearest double. An optional first line of non-numeric names is skipped.

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{parse_rational, Scalar};
use std::path::Path;

/// Parse CSV text (comma, semicolon or whitespace separated) into a matrix.
pub fn parse_matrix<S: Scalar>(text: &str) -> Result<Matrix<S>> {
    let mut rows: Vec<Vec<S>> = Vec::new();
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .collect();
        let parsed: Result<Vec<S>> = cells.iter().map(|c| parse_cell::<S>(c)).collect();
        match parsed {
            Ok(row) => rows.push(row),
            // A header is only allowed as the first non-empty line.
            // (A cell that is a number, e.g. `1e400` out of f64 range, makes the line
            // data, not a header: its error is reported, never skipped.)
            Err(_)
                if rows.is_empty()
                    && cells.iter().any(|c| {
                        c.chars().any(|ch| ch.is_alphabetic()) && parse_rational(c).is_err()
                    })
                    && lineno < 1 => {}
            Err(e) => return Err(Error::InvalidInput(format!("CSV line {}: {e}", lineno + 1))),
        }
    }
    if rows.is_empty() {
        return Err(Error::InvalidInput("CSV holds no numeric rows".into()));
    }
    Matrix::from_rows(&rows)
}

fn parse_cell<S: Scalar>(cell: &str) -> Result<S> {
    let lower = cell.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(Error::NonFinite {
            context: format!("CSV cell {cell:?}"),
        });
    }
    let v = S::from_rational(&parse_rational(cell)?);
    // A finite decimal can still overflow f64 (e.g. `1e309`): refuse, never return ±∞.
    if !v.is_finite() {
        return Err(Error::NonFinite {
            context: format!("CSV cell {cell:?} (out of range)"),
        });
    }
    Ok(v)
}

/// Read a CSV file into a matrix.
pub fn read_matrix<S: Scalar>(path: &Path) -> Result<Matrix<S>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    parse_matrix(&text)
}

/// Write an f64 matrix as CSV (shortest round-trip decimal form of each entry).
pub fn write_matrix(path: &Path, m: &Matrix<f64>) -> Result<()> {
    let mut out = String::new();
    for i in 0..m.rows() {
        let row: Vec<String> = (0..m.cols()).map(|j| format!("{:?}", m[(i, j)])).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    std::fs::write(path, out)
        .map_err(|e| Error::InvalidInput(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    #[test]
    fn reads_exact_decimals_and_skips_a_header() {
        let m: Matrix<Rational> = parse_matrix("a,b\n0.1, 2\n-3/4;1e-2\n").unwrap();
        assert_eq!(m.shape(), (2, 2));
        assert_eq!(m[(0, 0)], Rational::from((1, 10)));
        assert_eq!(m[(1, 0)], Rational::from((-3, 4)));
        assert_eq!(m[(1, 1)], Rational::from((1, 100)));
        let f: Matrix<f64> = parse_matrix("0.1 2\n").unwrap();
        assert_eq!(f[(0, 0)], 0.1);
    }

    #[test]
    fn malformed_csv_is_a_typed_error() {
        assert!(parse_matrix::<f64>("").is_err());
        assert!(parse_matrix::<f64>("1,2\n3\n").is_err()); // ragged
        assert!(parse_matrix::<f64>("1,2\nx,3\n").is_err()); // text after the first line
        assert!(matches!(
            parse_matrix::<f64>("1,NaN\n"),
            Err(Error::InvalidInput(_)) | Err(Error::NonFinite { .. })
        ));
        assert!(parse_matrix::<f64>("1,inf\n").is_err());
        assert!(parse_matrix::<f64>("1/0\n").is_err());
    }
}
