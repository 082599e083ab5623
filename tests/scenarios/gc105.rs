//! GC105: an execute-api interface endpoint with private DNS on, as the VPC console creates it
//! by default: inside its VPC, every public API's execute-api name resolves to the endpoint.
//! A region's finding, placed on no API; the APIs it names stay healthy otherwise.

use super::*;

pub fn seed<'a>(s: &'a Seeder, _keys: &'a DemoKeys) -> Seeding<'a> {
    Box::pin(async move {
        s.execute_api_endpoint(true, None).await?;
        Ok(Vec::new())
    })
}
