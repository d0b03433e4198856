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

/// One cell read straight into the nearest f64 (decimal forms through Rust's correctly
/// rounded parser; other exact forms such as `3/4` through the exact rational).
fn parse_cell_f64(cell: &str) -> Result<f64> {
    let lower = cell.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(Error::NonFinite {
            context: format!("CSV cell {cell:?}"),
        });
    }
    let v = match cell.parse::<f64>() {
        Ok(v) => v,
        Err(_) => crate::scalar::rational_to_f64(&parse_rational(cell)?),
    };
    if !v.is_finite() {
        return Err(Error::NonFinite {
            context: format!("CSV cell {cell:?} (out of range)"),
        });
    }
    Ok(v)
}

/// Read a CSV file straight into f64, each cell rounded to the nearest double (the same
/// numbers as [`read_matrix::<f64>`](read_matrix), without building exact rationals:
/// for designs of any size). Same dialect as [`parse_matrix`] (separators, `#` comments,
/// one optional header line). Memory: the text plus twice the matrix (row-major while
/// reading, then column-major).
pub fn read_matrix_f64(path: &Path) -> Result<Matrix<f64>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    let mut data: Vec<f64> = Vec::new();
    let (mut rows, mut cols) = (0usize, 0usize);
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let start = data.len();
        let mut failed = None;
        let mut cells = 0;
        for cell in line
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            cells += 1;
            match parse_cell_f64(cell) {
                Ok(v) => data.push(v),
                Err(e) => {
                    failed = Some((cell, e));
                    break;
                }
            }
        }
        if let Some((cell, e)) = failed {
            data.truncate(start);
            let header = rows == 0
                && lineno < 1
                && cell.chars().any(char::is_alphabetic)
                && parse_rational(cell).is_err();
            if header {
                continue;
            }
            return Err(Error::InvalidInput(format!("CSV line {}: {e}", lineno + 1)));
        }
        if rows == 0 {
            cols = cells;
        } else if cells != cols {
            return Err(Error::InvalidInput(format!(
                "CSV line {}: {cells} cells, expected {cols}",
                lineno + 1
            )));
        }
        rows += 1;
    }
    if rows == 0 {
        return Err(Error::InvalidInput("CSV holds no numeric rows".into()));
    }
    Ok(Matrix::from_fn(rows, cols, |i, j| data[i * cols + j]))
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
    fn f64_reader_agrees_with_the_exact_reader() {
        let dir = std::env::temp_dir().join(format!("pb-csv-f64-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = dir.join("ok.csv");
        std::fs::write(
            &ok,
            "a,b,c\n0.1, 2, -3/4\n1e-310;7.25e3 0.3333333333333333333\n",
        )
        .unwrap();
        let fast = read_matrix_f64(&ok).unwrap();
        let slow: Matrix<f64> = read_matrix(&ok).unwrap();
        assert_eq!(fast, slow);
        assert_eq!(fast.shape(), (2, 3));
        for bad in [
            "1,2\n3\n",
            "1,nan\n",
            "1,1e400\n",
            "1,2\nx,3\n",
            "",
            "# only\n",
        ] {
            let f = dir.join("bad.csv");
            std::fs::write(&f, bad).unwrap();
            assert!(read_matrix_f64(&f).is_err(), "{bad:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
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
