//! Query strings: list paging parameters, and malformed query strings as 422.

use actix_web::web;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::error::ApiError;
use crate::storage::PageRequest;

pub fn config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        ApiError::field("query", format!("the query string is not valid: {error}")).into()
    })
}

/// `?limit=&cursor=` as sent; parsed by [`ListQuery::page`] so errors name the parameter.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

impl ListQuery {
    pub fn page<K: Serialize + DeserializeOwned>(&self) -> Result<PageRequest<K>, ApiError> {
        Ok(PageRequest::parse(
            self.limit.as_deref(),
            self.cursor.as_deref(),
        )?)
    }
}
