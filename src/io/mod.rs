//! Problem files, data files (CSV, `.npy`, IDX images, the digits set) and certificate (de)serialisation.
//!
//! Every reader returns a typed [`Error`](crate::Error) on malformed input (ragged
//! rows, non-numeric cells, NaN or infinities, truncated headers), never a panic.

pub mod csv;
pub mod digits;
pub mod idx;
pub mod npy;
pub mod problem;
pub mod resolve;
