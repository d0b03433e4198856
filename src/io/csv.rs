//! Numeric CSV matrices, read with the `csv` crate (RFC 4180 quoting).
//!
//! Two readers, accepting exactly the same files:
//! - [`parse_matrix`] / [`read_matrix`] read each cell as an exact decimal (`0.1` is
//!   `1/10`, `"3/4"` is 3/4), so a rational or interval computation sees the number
//!   written in the file; for `f64` they give the nearest double.
//! - [`parse_matrix_f64`] / [`read_matrix_f64`] give the same nearest doubles without
//!   going through rationals (Rust's correctly rounded decimal parser; cells it does
//!   not take, such as `p/q`, go the exact way): the reader for large designs.
//!
//! The format:
//! - the separator is the first of `,` `;` tab found on the first data line; a file
//!   with none of them is whitespace-separated (runs of spaces separate cells, as
//!   `numpy.savetxt` writes);
//! - cells may be quoted and padded with spaces; an empty cell is an error (`1,,2` is
//!   not a row of two numbers);
//! - every row has the same number of cells (a ragged row is an error naming its line);
//! - lines starting with `#` and blank lines are skipped, and so is a first line of
//!   column names (a line with a cell that has a letter and is not a number);
//! - NaN, infinities and numbers beyond the f64 range (for f64) are errors; the number
//!   syntax and its caps (digits, exponents) are those of
//!   [`parse_rational`].

use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::{parse_rational, rational_to_f64, Scalar, MAX_EXPONENT};
use std::path::Path;

/// Why one cell or line was refused (located by the caller).
enum Problem {
    /// Malformed input.
    Invalid(String),
    /// NaN, an infinity, or a number beyond the f64 range.
    NonFinite(String),
}

fn invalid(why: impl Into<String>) -> Problem {
    Problem::Invalid(why.into())
}

/// Parse CSV text into a matrix, each cell read exactly then converted to `S`.
pub fn parse_matrix<S: Scalar>(text: &str) -> Result<Matrix<S>> {
    parse_named(text, "CSV", exact_cell::<S>)
}

/// Parse CSV text into an f64 matrix (nearest doubles, as [`parse_matrix`] gives for
/// `f64`, without rationals).
pub fn parse_matrix_f64(text: &str) -> Result<Matrix<f64>> {
    parse_named(text, "CSV", f64_cell)
}

/// Read a CSV file into a matrix (cells exact, then converted to `S`); errors name
/// the file, line and column.
pub fn read_matrix<S: Scalar>(path: &Path) -> Result<Matrix<S>> {
    parse_named(
        &read_text(path)?,
        &path.display().to_string(),
        exact_cell::<S>,
    )
}

/// Read a CSV file into an f64 matrix (fast path; same values as
/// [`read_matrix::<f64>`](read_matrix)).
pub fn read_matrix_f64(path: &Path) -> Result<Matrix<f64>> {
    parse_named(&read_text(path)?, &path.display().to_string(), f64_cell)
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io("read", path.display(), &e))
}

/// Write an f64 matrix as CSV (shortest round-trip decimal form of each entry).
pub fn write_matrix(path: &Path, m: &Matrix<f64>) -> Result<()> {
    let mut out = String::new();
    for i in 0..m.rows() {
        let row: Vec<String> = (0..m.cols()).map(|j| format!("{:?}", m[(i, j)])).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    std::fs::write(path, out).map_err(|e| Error::io("write", path.display(), &e))
}

/// The separator: the first of `,` `;` tab on the first line that is not blank and
/// not a comment; `None` for whitespace-separated files.
fn sniff_separator(text: &str) -> Option<u8> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    [b',', b';', b'\t']
        .into_iter()
        .find(|&c| line.as_bytes().contains(&c))
}

fn parse_named<T: Scalar>(
    text: &str,
    source: &str,
    cell: impl Fn(&str) -> std::result::Result<T, Problem>,
) -> Result<Matrix<T>> {
    let separator = sniff_separator(text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .comment(Some(b'#'))
        .delimiter(separator.unwrap_or(b' '))
        .from_reader(text.as_bytes());
    let located = |line: u64, col: Option<usize>, p: Problem| -> Error {
        let at = match col {
            Some(c) => format!("line {line}, column {}", c + 1),
            None => format!("line {line}"),
        };
        match p {
            Problem::Invalid(reason) => Error::Malformed {
                file: source.to_string(),
                at,
                reason,
            },
            Problem::NonFinite(what) => Error::NonFinite {
                context: format!("{source}: {at} ({what})"),
            },
        }
    };
    let mut values: Vec<T> = Vec::new();
    let mut shape: Option<(usize, u64)> = None; // (columns, line of the first row)
    let mut rows = 0usize;
    let mut first_record = true;
    let mut record = ::csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            located(
                line,
                None,
                invalid(format!("unreadable CSV: {}", e.kind_text())),
            )
        })?;
        if !more {
            break;
        }
        let line = record_line(text, reader.position());
        let cells: Vec<&str> = if separator.is_none() {
            // Whitespace-separated: runs of spaces are one separator.
            record.iter().filter(|c| !c.is_empty()).collect()
        } else {
            record.iter().collect()
        };
        // A blank (or all-space) line.
        if cells.is_empty() || (cells.len() == 1 && cells[0].is_empty()) {
            continue;
        }
        let is_first = std::mem::replace(&mut first_record, false);
        if is_first && rows == 0 && looks_like_header(&cells) {
            continue;
        }
        match shape {
            None => shape = Some((cells.len(), line)),
            Some((cols, first)) if cols != cells.len() => {
                return Err(located(
                    line,
                    None,
                    invalid(format!(
                        "{} cells, but line {first} has {cols} (every row needs the same number)",
                        cells.len()
                    )),
                ));
            }
            Some(_) => {}
        }
        for (j, c) in cells.iter().enumerate() {
            if c.is_empty() {
                return Err(located(line, Some(j), invalid("empty cell")));
            }
            values.push(cell(c).map_err(|p| located(line, Some(j), p))?);
        }
        rows += 1;
    }
    let Some((cols, _)) = shape else {
        return Err(Error::malformed(source, "no numeric rows"));
    };
    // Row-major values into the column-major matrix.
    Ok(Matrix::from_fn(rows, cols, |i, j| {
        values[i * cols + j].clone()
    }))
}

/// The line a record ends on, from the reader's position after it. (The position
/// the `csv` crate stores in the record is where reading started, which is before
/// any comment or blank lines it skipped.)
fn record_line(text: &str, after: &::csv::Position) -> u64 {
    let byte = usize::try_from(after.byte()).unwrap_or(usize::MAX);
    let ended_by_newline = byte
        .checked_sub(1)
        .and_then(|k| text.as_bytes().get(k))
        .is_some_and(|&b| b == b'\n');
    if ended_by_newline {
        after.line().saturating_sub(1)
    } else {
        after.line()
    }
}

/// A first line of column names: no cell is a number (nor a spelling of NaN or an
/// infinity, which are data, refused later), and some cell has a letter. (A cell
/// that is a number, e.g. `1e400` out of f64 range, makes the line data: its error
/// is reported, never skipped.)
fn looks_like_header(cells: &[&str]) -> bool {
    let non_finite_spelling = |c: &str| {
        let t = c.trim_start_matches(['+', '-']).to_ascii_lowercase();
        matches!(t.as_str(), "nan" | "inf" | "infinity")
    };
    cells
        .iter()
        .all(|c| parse_rational(c).is_err() && !non_finite_spelling(c))
        && cells.iter().any(|c| c.chars().any(char::is_alphabetic))
}

fn refuse_non_finite_text(cell: &str) -> std::result::Result<(), Problem> {
    let lower = cell.to_ascii_lowercase();
    if lower.contains("nan") || lower.contains("inf") {
        return Err(Problem::NonFinite(format!("{cell:?}")));
    }
    Ok(())
}

/// The exact reader: the cell's exact value, converted to `S`.
fn exact_cell<S: Scalar>(cell: &str) -> std::result::Result<S, Problem> {
    refuse_non_finite_text(cell)?;
    let q = parse_rational(cell).map_err(|e| invalid(e.plain()))?;
    let v = S::from_rational(&q);
    // A finite decimal can still overflow f64 (e.g. `1e309`): refuse, never return ±∞.
    if !v.is_finite() {
        return Err(Problem::NonFinite(format!(
            "{cell:?}: out of range for f64"
        )));
    }
    Ok(v)
}

/// The f64 reader: Rust's correctly rounded parser on plain decimals within the exact
/// reader's caps (so both readers accept the same cells and give the same double);
/// everything else goes the exact way.
fn f64_cell(cell: &str) -> std::result::Result<f64, Problem> {
    let simple = cell.len() <= 64
        && cell
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    let exponent_ok = match cell.find(['e', 'E']) {
        None => true,
        Some(k) => cell[k + 1..]
            .parse::<i64>()
            .is_ok_and(|e| e.unsigned_abs() <= u64::from(MAX_EXPONENT)),
    };
    if simple && exponent_ok {
        if let Ok(v) = cell.parse::<f64>() {
            if !v.is_finite() {
                return Err(Problem::NonFinite(format!(
                    "{cell:?}: out of range for f64"
                )));
            }
            // `-0` is the rational 0, whose nearest double is +0; a nonzero negative
            // number that underflows is -0 (as the exact reader gives).
            let exact_zero = !cell
                .split(['e', 'E'])
                .next()
                .unwrap_or("")
                .bytes()
                .any(|b| matches!(b, b'1'..=b'9'));
            return Ok(if exact_zero { 0.0 } else { v });
        }
    }
    refuse_non_finite_text(cell)?;
    let q = parse_rational(cell).map_err(|e| invalid(e.plain()))?;
    let v = rational_to_f64(&q);
    if !v.is_finite() {
        return Err(Problem::NonFinite(format!(
            "{cell:?}: out of range for f64"
        )));
    }
    Ok(v)
}

/// What went wrong, for a `csv` crate error.
trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for ::csv::Error {
    fn kind_text(&self) -> String {
        match self.kind() {
            ::csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8 ({err})"),
            ::csv::ErrorKind::Io(e) => e.to_string(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rug::Rational;

    fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn reads_exact_decimals_and_skips_a_header() {
        let m: Matrix<Rational> = parse_matrix("a,b\n0.1, 2\n-3/4,1e-2\n").unwrap();
        assert_eq!(m.shape(), (2, 2));
        assert_eq!(m[(0, 0)], Rational::from((1, 10)));
        assert_eq!(m[(1, 0)], Rational::from((-3, 4)));
        assert_eq!(m[(1, 1)], Rational::from((1, 100)));
        let f: Matrix<f64> = parse_matrix("0.1 2\n").unwrap();
        assert_eq!(f[(0, 0)], 0.1);
    }

    #[test]
    fn separators_quotes_comments_and_blank_lines() {
        let expect = Matrix::from_f64_rows(&[vec![1.0, 2.5], vec![-3.0, 0.25]]).unwrap();
        for text in [
            "1,2.5\n-3,0.25\n",
            "# comment\n\n\"x\",\"y\"\n\"1\",\"2.5\"\n\n-3 , 0.25\n",
            "1;2.5\r\n-3;0.25\r\n",
            "1\t2.5\n-3\t0.25\n",
            "1   2.5\n  -3 0.25\n",
            "1,2.5\n   \n-3,0.25",
        ] {
            assert_eq!(parse_matrix::<f64>(text).unwrap(), expect, "{text:?}");
            assert_eq!(parse_matrix_f64(text).unwrap(), expect, "{text:?}");
        }
    }

    #[test]
    fn malformed_csv_names_line_and_column() {
        assert_eq!(
            err(parse_matrix::<f64>("")),
            "invalid input: CSV: no numeric rows"
        );
        assert_eq!(
            err(parse_matrix::<f64>("1,,2\n")),
            "invalid input: CSV: line 1, column 2: empty cell"
        );
        assert_eq!(
            err(parse_matrix_f64("1,2,3\n4,5,\n")),
            "invalid input: CSV: line 2, column 3: empty cell"
        );
        assert_eq!(
            err(parse_matrix::<Rational>("1,2\n3\n")),
            "invalid input: CSV: line 2: 1 cells, but line 1 has 2 (every row needs the same number)"
        );
        assert_eq!(
            err(parse_matrix_f64("# c\n1,2\n\n3,4,5\n")),
            "invalid input: CSV: line 4: 3 cells, but line 2 has 2 (every row needs the same number)"
        );
        assert_eq!(
            err(parse_matrix::<f64>("1,2\nx,3\n")),
            "invalid input: CSV: line 2, column 1: not an exact number \"x\": expected digits"
        );
        assert_eq!(
            err(parse_matrix::<f64>("1,NaN\n")),
            "non-finite number (NaN or infinity) in CSV: line 1, column 2 (\"NaN\")"
        );
        assert_eq!(
            err(parse_matrix_f64("1,inf\n")),
            "non-finite number (NaN or infinity) in CSV: line 1, column 2 (\"inf\")"
        );
        assert_eq!(
            err(parse_matrix_f64("1e400,1\n")),
            "non-finite number (NaN or infinity) in CSV: line 1, column 1 (\"1e400\": out of range for f64)"
        );
        // A first line of NaNs is data (refused), never a skipped header; so is a
        // first line with a number in it.
        assert_eq!(
            err(parse_matrix_f64("NaN,-inf\n1,2\n")),
            "non-finite number (NaN or infinity) in CSV: line 1, column 1 (\"NaN\")"
        );
        assert_eq!(
            err(parse_matrix::<f64>("x,1\n2,3\n")),
            "invalid input: CSV: line 1, column 1: not an exact number \"x\": expected digits"
        );
        assert!(matches!(
            parse_matrix::<f64>("1/0\n"),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn both_readers_agree_on_hostile_numbers() {
        // Beyond the exact reader's caps: refused by both (Rust's parser alone would
        // read 1e-2000 as 0 and 1e2000 as inf).
        for cell in ["1e-2000", "1e2000", "0e5000", "1e99999999999999999999"] {
            assert!(parse_matrix::<f64>(cell).is_err(), "{cell}");
            assert!(parse_matrix_f64(cell).is_err(), "{cell}");
        }
        let long = "1".repeat(crate::scalar::MAX_DIGITS + 1);
        assert!(parse_matrix::<f64>(&long).is_err());
        assert!(parse_matrix_f64(&long).is_err());
        // Accepted by both with the same double.
        for cell in [
            "+.5",
            "-5.",
            "1.e5",
            "1e+5",
            "3/7",
            "-0",
            "123456789012345678901234567890",
        ] {
            let a = parse_matrix::<f64>(cell).unwrap();
            let b = parse_matrix_f64(cell).unwrap();
            assert_eq!(a[(0, 0)].to_bits(), b[(0, 0)].to_bits(), "{cell}");
        }
    }
}
