//! A CSV file (RFC 4180) read record by record as its bytes arrive, chunk
//! by chunk: only the record being read is buffered, never the whole body.

use csv_core::{ReadRecordResult, Reader};

/// One record of a CSV file: the line it starts on (1-based) and its fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: u64,
    /// Each field, or `None` where it is not UTF-8.
    pub fields: Vec<Option<String>>,
}

/// A CSV reader fed with chunks of bytes; see the module doc.
pub struct CsvStream {
    reader: Reader,
    /// The fields of the record being read, and how much of it is filled.
    output: Vec<u8>,
    filled: usize,
    /// The end of each field of that record in `output`.
    ends: Vec<usize>,
    fields: usize,
}

impl Default for CsvStream {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvStream {
    pub fn new() -> Self {
        Self {
            reader: Reader::new(),
            output: vec![0; 4096],
            filled: 0,
            ends: vec![0; 32],
            fields: 0,
        }
    }

    /// Reads `input`, handing each complete record to `record`.
    pub fn feed(&mut self, input: &[u8], record: &mut impl FnMut(CsvRecord)) {
        self.read(input, record);
    }

    /// Ends the file: a last record without a line break is handed over too.
    pub fn finish(&mut self, record: &mut impl FnMut(CsvRecord)) {
        self.read(&[], record);
    }

    fn read(&mut self, mut input: &[u8], record: &mut impl FnMut(CsvRecord)) {
        loop {
            let (result, read, written, ended) = self.reader.read_record(
                input,
                &mut self.output[self.filled..],
                &mut self.ends[self.fields..],
            );
            let ended_on_newline = read > 0 && input[read - 1] == b'\n';
            input = &input[read..];
            self.filled += written;
            self.fields += ended;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return,
                ReadRecordResult::OutputFull => {
                    let doubled = self.output.len() * 2;
                    self.output.resize(doubled, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let doubled = self.ends.len() * 2;
                    self.ends.resize(doubled, 0);
                }
                ReadRecordResult::Record => record(self.take_record(ended_on_newline)),
            }
        }
    }

    /// The record just read; `ended_on_newline` when its terminator was a
    /// `\n` (the reader has counted it), not a `\r` or the end of the file.
    fn take_record(&mut self, ended_on_newline: bool) -> CsvRecord {
        // Counted back from where it ends: line breaks inside quoted fields
        // are in the fields, and blank lines before it are not.
        let inner_breaks = self.output[..self.filled]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        let line = self.reader.line() - inner_breaks - u64::from(ended_on_newline);
        let mut start = 0;
        let fields = self.ends[..self.fields]
            .iter()
            .map(|&end| {
                let field = std::str::from_utf8(&self.output[start..end])
                    .ok()
                    .map(str::to_string);
                start = end;
                field
            })
            .collect();
        self.filled = 0;
        self.fields = 0;
        CsvRecord { line, fields }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records_of(chunks: &[&[u8]]) -> Vec<CsvRecord> {
        let mut stream = CsvStream::new();
        let mut records = Vec::new();
        for chunk in chunks {
            stream.feed(chunk, &mut |r| records.push(r));
        }
        stream.finish(&mut |r| records.push(r));
        records
    }

    fn texts(record: &CsvRecord) -> Vec<&str> {
        record
            .fields
            .iter()
            .map(|f| f.as_deref().unwrap())
            .collect()
    }

    #[test]
    fn records_split_across_chunks_read_whole_with_their_lines() {
        let file = b"a,b\r\n\n\"x, \"\"y\"\"\",\"two\nlines\"\nlast,\xc3\xa9";
        for cut in 0..file.len() {
            let records = records_of(&[&file[..cut], &file[cut..]]);
            assert_eq!(records.len(), 3, "cut at {cut}");
            assert_eq!(texts(&records[0]), ["a", "b"]);
            assert_eq!(texts(&records[1]), ["x, \"y\"", "two\nlines"]);
            assert_eq!(texts(&records[2]), ["last", "é"]);
            let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
            assert_eq!(lines, [1, 3, 5], "cut at {cut}");
        }
    }

    #[test]
    fn a_long_field_grows_the_buffer_and_bad_utf8_is_marked() {
        let long = "z".repeat(10_000);
        let file = format!("{long},ok\n");
        let records = records_of(&[file.as_bytes()]);
        assert_eq!(texts(&records[0]), [long.as_str(), "ok"]);
        let records = records_of(&[b"\xff,a\n"]);
        assert_eq!(records[0].fields, [None, Some("a".to_string())]);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_column() {
        let records = records_of(&[b"\xef\xbb\xbfvesselIMO,name\n"]);
        assert_eq!(texts(&records[0]), ["vesselIMO", "name"]);
    }
}
