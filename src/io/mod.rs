//! Problem files, data files (CSV) and certificate (de)serialisation.
