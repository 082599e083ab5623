//! Can a request reach the API at all: the execute-api endpoint, private endpoints and resource policies (GC1xx).

pub mod gc101;
pub mod gc102;
pub mod gc103;
pub mod gc104;
pub mod gc105;
pub mod gc106;
pub mod gc107;
pub mod gc108;
pub mod gc109;
