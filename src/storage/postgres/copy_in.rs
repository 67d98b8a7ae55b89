//! Bulk inserts with binary `COPY ... FROM STDIN`: PostgreSQL's cheapest
//! way in. Rows are encoded by [`BinaryRows`] and sent about a megabyte at a
//! time, so a large insert never holds more than that beyond its rows.

use crate::storage::StorageError;
use crate::storage::columns::BinaryRows;

/// Bytes per COPY message.
const SEND_AT: usize = 1 << 20;

/// Copies `rows` into `table`'s `columns`, in the transaction or connection
/// `conn`: `write` writes one row's fields, in the order of `columns`. A
/// constraint violation fails the whole COPY (and the transaction), as a
/// multi-row INSERT would.
pub(in crate::storage) async fn copy_in<R>(
    conn: &mut sqlx::PgConnection,
    table: &str,
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
    mut write: impl FnMut(&mut BinaryRows, R),
) -> Result<(), StorageError> {
    let fields = i16::try_from(columns.len()).expect("fewer than 32768 columns");
    let statement = format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        columns.join(", ")
    );
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut buffer = BinaryRows::with_capacity(SEND_AT + 4096);
    for row in rows {
        write(buffer.row(fields), row);
        if buffer.len() >= SEND_AT {
            copy.send(buffer.take()).await?;
        }
    }
    copy.send(buffer.finish()).await?;
    copy.finish().await?;
    Ok(())
}
