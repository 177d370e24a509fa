//! A minimal zip writer for the OpenDocument container: entries are *stored* (not
//! compressed), which ODF allows for every part and requires for `mimetype`. A
//! spreadsheet of test records is small, so compression is not worth a dependency.
//! Timestamps are fixed at 1980-01-01 so the same data gives the same bytes.

use crate::error::{ReportError, Result};

/// CRC-32 (IEEE, reflected polynomial 0xEDB88320) lookup table, built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "i < 256")]
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

/// CRC-32 of `data`, as zip stores it.
#[must_use]
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// DOS date of 1980-01-01 (year 0, month 1, day 1), time 00:00:00.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;

/// Bit 11 of the general purpose flags: names are UTF-8.
const UTF8_NAMES: u16 = 1 << 11;

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn fit32(name: &str, n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| ReportError::TooLarge {
        name: name.to_string(),
        size: n as u64,
    })
}

/// Build a zip archive of `(name, data)` entries, in the given order, all stored.
///
/// # Errors
/// [`ReportError::TooLarge`] when an entry, or the archive, exceeds what a plain (not
/// Zip64) archive can describe.
pub fn stored_zip(entries: &[(&str, &[u8])]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let count = u16::try_from(entries.len()).map_err(|_| ReportError::TooLarge {
        name: "zip entries".into(),
        size: entries.len() as u64,
    })?;
    for (name, data) in entries {
        let offset = fit32(name, out.len())?;
        let size = fit32(name, data.len())?;
        let name_len = u16::try_from(name.len()).map_err(|_| ReportError::TooLarge {
            name: (*name).to_string(),
            size: name.len() as u64,
        })?;
        let crc = crc32(data);
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 10); // version needed: 1.0 (stored)
        u16le(&mut out, UTF8_NAMES);
        u16le(&mut out, 0); // method: stored
        u16le(&mut out, DOS_TIME);
        u16le(&mut out, DOS_DATE);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name_len);
        u16le(&mut out, 0); // no extra field
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory record.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20); // version made by: 2.0, MS-DOS attributes
        u16le(&mut central, 10);
        u16le(&mut central, UTF8_NAMES);
        u16le(&mut central, 0);
        u16le(&mut central, DOS_TIME);
        u16le(&mut central, DOS_DATE);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name_len);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk number
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = fit32("zip archive", out.len())?;
    let cd_size = fit32("zip central directory", central.len())?;
    out.extend_from_slice(&central);
    // End of central directory.
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_known_values() {
        let cases: [(&[u8], u32); 3] = [
            (b"", 0),
            (b"123456789", 0xCBF4_3926),
            (b"The quick brown fox jumps over the lazy dog", 0x414F_A339),
        ];
        for (data, want) in cases {
            assert_eq!(crc32(data), want, "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn layout() {
        let z = stored_zip(&[("mimetype", b"abc"), ("d/e.xml", b"<x/>")]).unwrap();
        // The first entry's name starts at byte 30 and its data right after it: this is
        // what ODF's "mimetype first, uncompressed" rule relies on.
        assert_eq!(&z[0..4], &[0x50, 0x4b, 0x03, 0x04]);
        assert_eq!(&z[30..38], b"mimetype");
        assert_eq!(&z[38..41], b"abc");
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]), 2);
        let cd_off =
            u32::from_le_bytes([z[eocd + 16], z[eocd + 17], z[eocd + 18], z[eocd + 19]]) as usize;
        assert_eq!(&z[cd_off..cd_off + 4], &[0x50, 0x4b, 0x01, 0x02]);
    }
}
