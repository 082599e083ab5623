//! Whether a refusal leaves a trace: execution logging and the account's CloudWatch role (GC6xx).

pub mod gc601;
pub mod gc602;
pub mod gc603;
pub mod gc604;
pub mod gc605;
