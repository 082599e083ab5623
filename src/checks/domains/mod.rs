//! Custom domain names and their mappings (GC5xx). What GC501 and GC504 share.

pub mod gc501;
pub mod gc502;
pub mod gc503;
pub mod gc504;

use crate::model::{Index, RestApi};

/// What a base path mapping (GC501) or a routing rule (GC504) reaches: the place both checks
/// judge, and explain's endpoint gate for one request.
#[derive(Debug, Clone)]
pub enum Invoked<'a> {
    /// The API, and the stage when the mapping or rule names one that exists.
    Found(&'a RestApi),
    /// No API with that id (or none named).
    NoApi,
    /// The API has no such stage.
    NoStage(&'a RestApi, String),
}

/// The API and stage `api_id` and `stage` name, or which of them does not exist. A mapping
/// without a stage takes the stage from the path, so only a named stage can be missing.
pub fn invoked<'a>(index: &Index<'a>, api_id: Option<&str>, stage: Option<&str>) -> Invoked<'a> {
    let Some(api) = api_id.and_then(|id| index.rest_api(id)) else {
        return Invoked::NoApi;
    };
    match stage {
        Some(stage) if api.stage(stage).is_none() => Invoked::NoStage(api, stage.to_string()),
        _ => Invoked::Found(api),
    }
}
