//! Differentiation engines: set-valued piggyback, ITD, AID, FPAD, NSID, hypergradients (MATH.md §5).
