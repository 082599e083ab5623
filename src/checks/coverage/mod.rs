//! What the audit could not see (GC900).

pub mod gc900;
