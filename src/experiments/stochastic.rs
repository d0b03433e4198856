//! Figure 2 (stochastic methods).
