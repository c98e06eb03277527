//! A minimal ZIP writer for downloads: every member stored (method 0, no
//! compression), CRC-32 of each, one central directory (PKWARE APPNOTE
//! 6.3.10, section 4.3: local file header, central directory header, end of
//! central directory record). Enough for a few CSV files that any unzip,
//! R's `unzip()` or Python's `zipfile` opens.

/// The MS-DOS time and date of an instant (UTC; 2-second resolution;
/// APPNOTE section 4.4.6).
fn dos_time(t: jiff::Timestamp) -> (u16, u16) {
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let year = (i32::from(dt.year()) - 1980).clamp(0, 127) as u16;
    let time = ((dt.hour() as u16) << 11) | ((dt.minute() as u16) << 5) | (dt.second() as u16 / 2);
    let date = (year << 9) | ((dt.month() as u16) << 5) | dt.day() as u16;
    (time, date)
}

/// A zip of `files` (name, bytes), each stored, dated `at`.
pub fn stored(files: &[(&str, &[u8])], at: jiff::Timestamp) -> Vec<u8> {
    let (time, date) = dos_time(at);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, bytes) in files {
        let crc = crc32fast::hash(bytes);
        let offset = out.len() as u32;
        let size = bytes.len() as u32;
        let n = name.len() as u16;
        // Local file header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
        out.extend_from_slice(&0u16.to_le_bytes()); // stored
        out.extend_from_slice(&time.to_le_bytes());
        out.extend_from_slice(&date.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes()); // extra
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(bytes);
        // Central directory header.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        central.extend_from_slice(&20u16.to_le_bytes()); // needed
        central.extend_from_slice(&0x0800u16.to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes());
        central.extend_from_slice(&time.to_le_bytes());
        central.extend_from_slice(&date.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&n.to_le_bytes());
        central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attrs
        central.extend_from_slice(&0u32.to_le_bytes()); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    let count = files.len() as u16;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // disk numbers
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_time_of_a_known_instant() {
        // 2026-12-06 05:40:31 UTC: time 05:40:30 (2 s steps), date 2026-12-06.
        let (t, d) = dos_time("2026-12-06T05:40:31Z".parse().unwrap());
        assert_eq!(t, (5 << 11) | (40 << 5) | 15);
        assert_eq!(d, (46 << 9) | (12 << 5) | 6);
    }

    #[test]
    fn a_zip_lists_its_members_with_their_crc() {
        let z = stored(
            &[("a.csv", b"123456789"), ("b.csv", b"")],
            "2026-01-01T00:00:00Z".parse().unwrap(),
        );
        // End of central directory: 2 entries.
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]), 2);
        // First member: the CRC-32 check value of "123456789" (0xCBF43926,
        // the standard's published check value) at offset 14 of its header.
        let crc = u32::from_le_bytes([z[14], z[15], z[16], z[17]]);
        assert_eq!(crc, 0xCBF4_3926);
        assert_eq!(&z[30..35], b"a.csv");
    }
}
