//! What a stage serves against what the API now says (GC4xx).

pub mod gc401;
