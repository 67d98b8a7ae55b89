//! Bulk import of whole fleets: the request formats (a JSON body, a CSV of
//! vessels, a multipart form of three CSVs) read into one [`ImportBatch`],
//! every row through the same field-by-field parser as a single vessel
//! ([`crate::domain::parse_vessel`]), every problem named by row, CSV line
//! and field. Pure: no IO, no clock (`as_of` is passed in); storing,
//! scoring and publishing the batch is [`crate::jobs::import`].

mod batch;
mod csv_columns;
mod csv_rows;
mod csv_stream;
mod json;

pub use batch::{
    ImportBatch, ImportMode, ImportProblems, ImportedVessel, MAX_PROBLEMS, MAX_VESSELS,
};
pub use csv_columns::CsvKind;
pub use csv_rows::CsvImport;
pub use csv_stream::CsvStream;
pub use json::parse_json_import;
