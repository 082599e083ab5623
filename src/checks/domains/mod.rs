//! Custom domain names and their mappings (GC5xx).

pub mod gc501;
pub mod gc502;
pub mod gc503;
pub mod gc504;
