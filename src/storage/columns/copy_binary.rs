//! Writing PostgreSQL's binary `COPY ... FROM STDIN` format: the server
//! stores each field as sent, with no text to parse (floats, UUIDs,
//! timestamps are the costly ones in the text format).
//!
//! Layout: a fixed header; per row the field count (int16), then per field
//! its length (int32) and bytes in the type's binary send form (big-endian);
//! a trailer of -1 (int16). sqlx writes no COPY format itself, so this
//! small encoder is ours.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// `PGCOPY\n\377\r\n\0`, then flags and header-extension length (both 0).
const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// PostgreSQL's epoch for dates and timestamps.
fn postgres_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date")
}

/// Rows being written in the binary COPY format.
pub(in crate::storage) struct BinaryRows {
    buffer: Vec<u8>,
}

impl BinaryRows {
    /// A buffer that starts with the format's header.
    pub(in crate::storage) fn with_capacity(capacity: usize) -> Self {
        let mut buffer = Vec::with_capacity(capacity.max(HEADER.len()));
        buffer.extend_from_slice(HEADER);
        Self { buffer }
    }

    /// Starts a row of `fields` fields.
    pub(in crate::storage) fn row(&mut self, fields: i16) -> &mut Self {
        self.buffer.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let length = i32::try_from(bytes.len()).expect("a field under 2 GiB");
        self.buffer.extend_from_slice(&length.to_be_bytes());
        self.buffer.extend_from_slice(bytes);
        self
    }

    /// A `text` field: its UTF-8 bytes.
    pub(in crate::storage) fn text(&mut self, value: &str) -> &mut Self {
        self.field(value.as_bytes())
    }

    /// A `uuid` field: its 16 bytes.
    pub(in crate::storage) fn uuid(&mut self, value: Uuid) -> &mut Self {
        self.field(value.as_bytes())
    }

    /// A NULL field: length -1, no bytes.
    pub(in crate::storage) fn null(&mut self) -> &mut Self {
        self.buffer.extend_from_slice(&(-1_i32).to_be_bytes());
        self
    }

    /// A `boolean` field: one byte, 1 or 0.
    pub(in crate::storage) fn boolean(&mut self, value: bool) -> &mut Self {
        self.field(&[u8::from(value)])
    }

    /// A `bigint` field.
    pub(in crate::storage) fn int8(&mut self, value: i64) -> &mut Self {
        self.field(&value.to_be_bytes())
    }

    /// A `double precision` field: the IEEE 754 bits, exactly.
    pub(in crate::storage) fn float8(&mut self, value: f64) -> &mut Self {
        self.field(&value.to_bits().to_be_bytes())
    }

    /// A `date` field: days since 2000-01-01.
    pub(in crate::storage) fn date(&mut self, value: NaiveDate) -> &mut Self {
        let days = i32::try_from((value - postgres_epoch()).num_days()).expect("a date in range");
        self.field(&days.to_be_bytes())
    }

    /// A `timestamptz` field: microseconds since 2000-01-01 00:00 UTC.
    pub(in crate::storage) fn timestamptz(&mut self, value: DateTime<Utc>) -> &mut Self {
        let epoch = postgres_epoch()
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc();
        let micros = (value - epoch)
            .num_microseconds()
            .expect("a timestamp in range");
        self.field(&micros.to_be_bytes())
    }

    /// Bytes written so far (header included).
    pub(in crate::storage) fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Hands over what is written so far and starts an empty buffer (a
    /// COPY may arrive in any number of messages; the header only once).
    pub(in crate::storage) fn take(&mut self) -> Vec<u8> {
        let capacity = self.buffer.capacity();
        std::mem::replace(&mut self.buffer, Vec::with_capacity(capacity))
    }

    /// The rest of the rows with the trailer.
    pub(in crate::storage) fn finish(mut self) -> Vec<u8> {
        self.buffer.extend_from_slice(&(-1_i16).to_be_bytes());
        self.buffer
    }
}

/// A column type written as one binary COPY field, in the PostgreSQL type
/// the migrations give it (`TEXT`, `UUID`, `BIGINT`, `DOUBLE PRECISION`,
/// `BOOLEAN`, `DATE`, `TIMESTAMPTZ`; `None` is NULL). The rows of [`table_row!`](super)
/// write themselves with it (`copy_fields`).
pub(in crate::storage) trait CopyField {
    fn copy_to(&self, rows: &mut BinaryRows);
}

impl CopyField for String {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.text(self);
    }
}

impl<T: CopyField> CopyField for Option<T> {
    fn copy_to(&self, rows: &mut BinaryRows) {
        match self {
            Some(value) => value.copy_to(rows),
            None => {
                rows.null();
            }
        }
    }
}

impl CopyField for DateTime<Utc> {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.timestamptz(*self);
    }
}

impl CopyField for Uuid {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.uuid(*self);
    }
}

impl CopyField for i64 {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.int8(*self);
    }
}

impl CopyField for f64 {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.float8(*self);
    }
}

impl CopyField for bool {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.boolean(*self);
    }
}

impl CopyField for NaiveDate {
    fn copy_to(&self, rows: &mut BinaryRows) {
        rows.date(*self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_its_field_count_then_length_prefixed_fields() {
        let mut rows = BinaryRows::with_capacity(0);
        rows.row(2).text("IMO").int8(-2);
        assert_eq!(rows.len(), 19 + 2 + 4 + 3 + 4 + 8);
        let bytes = rows.finish();
        assert_eq!(&bytes[..11], b"PGCOPY\n\xff\r\n\0");
        assert_eq!(&bytes[11..19], [0; 8]);
        assert_eq!(
            &bytes[19..],
            [
                0, 2, // two fields
                0, 0, 0, 3, b'I', b'M', b'O', // text
                0, 0, 0, 8, 255, 255, 255, 255, 255, 255, 255, 254, // -2
                255, 255, // trailer
            ]
        );
    }

    #[test]
    fn dates_and_timestamps_count_from_2000() {
        let field = |write: &dyn Fn(&mut BinaryRows)| {
            let mut rows = BinaryRows::with_capacity(0);
            rows.take();
            write(&mut rows);
            rows.take()
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            field(&|r| {
                r.date(day(2000, 1, 1));
            }),
            [0, 0, 0, 4, 0, 0, 0, 0]
        );
        assert_eq!(
            field(&|r| {
                r.date(day(1999, 12, 31));
            }),
            [0, 0, 0, 4, 255, 255, 255, 255]
        );
        // 2026-11-26 is 9,826 days after 2000-01-01.
        assert_eq!(
            field(&|r| {
                r.date(day(2026, 11, 26));
            }),
            [0, 0, 0, 4, 0, 0, 0x26, 0x62]
        );
        let at = day(2000, 1, 2)
            .and_hms_micro_opt(0, 0, 1, 5)
            .unwrap()
            .and_utc();
        let micros: i64 = 86_400_000_000 + 1_000_005;
        let mut expected = vec![0, 0, 0, 8];
        expected.extend_from_slice(&micros.to_be_bytes());
        assert_eq!(
            field(&|r| {
                r.timestamptz(at);
            }),
            expected
        );
    }

    #[test]
    fn null_is_length_minus_one_and_booleans_one_byte() {
        let mut rows = BinaryRows::with_capacity(0);
        rows.take();
        None::<String>.copy_to(&mut rows);
        Some("x".to_string()).copy_to(&mut rows);
        true.copy_to(&mut rows);
        false.copy_to(&mut rows);
        assert_eq!(
            rows.take(),
            [
                255, 255, 255, 255, // NULL
                0, 0, 0, 1, b'x', // text
                0, 0, 0, 1, 1, // true
                0, 0, 0, 1, 0, // false
            ]
        );
    }

    #[test]
    fn floats_and_uuids_go_as_their_bits() {
        let mut rows = BinaryRows::with_capacity(0);
        rows.take();
        let id = Uuid::from_u128(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10);
        rows.float8(0.1).uuid(id);
        let bytes = rows.take();
        assert_eq!(&bytes[..4], [0, 0, 0, 8]);
        assert_eq!(
            f64::from_bits(u64::from_be_bytes(bytes[4..12].try_into().unwrap())),
            0.1
        );
        assert_eq!(&bytes[12..16], [0, 0, 0, 16]);
        assert_eq!(&bytes[16..], id.as_bytes());
    }
}
