//! A short string kept inline: at most `N` bytes in a `Copy` value, so the
//! model version and class society codes ride on every assessment and every
//! reason without an allocation.

/// A string of at most `N` bytes (`N` below 256), stored inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixedStr<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> FixedStr<N> {
    pub const MAX_LEN: usize = N;
    /// The length is a `u8`: checked when `new` is compiled for an `N`.
    const LEN_FITS_A_BYTE: () = assert!(N < 256, "a FixedStr holds at most 255 bytes");

    /// `text` kept inline, or `None` when it is longer than `N` bytes.
    pub fn new(text: &str) -> Option<Self> {
        let () = Self::LEN_FITS_A_BYTE;
        let len = text.len();
        if len > N {
            return None;
        }
        let mut bytes = [0u8; N];
        bytes[..len].copy_from_slice(text.as_bytes());
        Some(Self {
            len: len as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).expect("copied from a str")
    }
}

impl<const N: usize> std::fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::FixedStr;

    #[test]
    fn keeps_up_to_n_bytes() {
        assert_eq!(FixedStr::<3>::new("DNV").unwrap().as_str(), "DNV");
        assert_eq!(FixedStr::<3>::new("").unwrap().as_str(), "");
        assert!(FixedStr::<3>::new("DNVG").is_none());
        // Multi-byte text counts bytes, not characters.
        assert!(FixedStr::<3>::new("ÅÅ").is_none());
        assert_eq!(FixedStr::<4>::new("ÅÅ").unwrap().as_str(), "ÅÅ");
    }

    #[test]
    fn equal_texts_are_equal_values() {
        assert_eq!(FixedStr::<8>::new("ab"), FixedStr::<8>::new("ab"));
        assert_ne!(FixedStr::<8>::new("ab"), FixedStr::<8>::new("abc"));
    }
}
