//! Reads what we need from a JPEG's header segments without decoding any pixels: size, number
//! of colour components, EXIF orientation, the embedded ICC profile and the Adobe marker.
//!
//! libjpeg-turbo's header reader gives the size but not the orientation or the profile, and the
//! walk over the segments is short, so it is done here once for every JPEG.

use image::metadata::Orientation;

use super::ImagingError;

/// What the header of a JPEG says.
#[derive(Debug, Clone)]
pub(crate) struct JpegInfo {
    /// Stored size, before any EXIF rotation.
    pub width: u32,
    pub height: u32,
    /// 1 = grayscale, 3 = YCbCr/RGB, 4 = CMYK/YCCK.
    pub components: u8,
    pub orientation: Orientation,
    pub icc: Option<Vec<u8>>,
    /// An Adobe APP14 segment is present. Adobe software writes CMYK inverted (255 = no ink),
    /// and in practice every CMYK JPEG carries this marker.
    pub adobe: bool,
    /// The file without the stray bytes some writers leave between header segments, when
    /// there were any. libjpeg skips such bytes but reports a warning, which the TurboJPEG
    /// crate turns into a failure; decoding this copy avoids it.
    pub cleaned: Option<Vec<u8>>,
}

const SOS: u8 = 0xDA;
const EOI: u8 = 0xD9;

/// Walks the segments from SOI to the first scan.
pub(crate) fn read_jpeg_info(bytes: &[u8]) -> Result<JpegInfo, ImagingError> {
    let mut info = JpegInfo {
        width: 0,
        height: 0,
        components: 0,
        orientation: Orientation::NoTransforms,
        icc: None,
        adobe: false,
        cleaned: None,
    };
    let mut icc_chunks: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut pos = 2;

    loop {
        let (start, marker, body) = next_segment(bytes, &mut pos)?;
        kept.push((start, pos));
        match marker {
            SOS | EOI => {
                kept.push((pos, bytes.len()));
                break;
            }
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => read_sof(body, &mut info)?,
            0xE1 if body.starts_with(b"Exif\0\0") => {
                if let Some(o) = Orientation::from_exif_chunk(&body[6..]) {
                    info.orientation = o;
                }
            }
            0xE2 if body.starts_with(b"ICC_PROFILE\0") && body.len() > 14 => {
                icc_chunks.push((body[12], body[14..].to_vec()));
            }
            0xEE if body.starts_with(b"Adobe") => info.adobe = true,
            _ => {}
        }
    }

    if info.width == 0 || info.height == 0 {
        return Err(ImagingError::DamagedImage(
            "JPEG without a frame header".into(),
        ));
    }
    info.icc = join_icc_chunks(icc_chunks);
    let kept_len: usize = kept.iter().map(|(from, to)| to - from).sum();
    if kept_len + 2 < bytes.len() {
        let mut cleaned = bytes[..2].to_vec();
        kept.iter()
            .for_each(|&(from, to)| cleaned.extend_from_slice(&bytes[from..to]));
        info.cleaned = Some(cleaned);
    }
    Ok(info)
}

/// Returns where the next marker starts, the marker and its body, moving `pos` past it. Fill
/// bytes, stray bytes and markers without a body (TEM, RSTn) are skipped.
fn next_segment<'a>(b: &'a [u8], pos: &mut usize) -> Result<(usize, u8, &'a [u8]), ImagingError> {
    let truncated = || ImagingError::DamagedImage("JPEG header is truncated".into());
    let marker = loop {
        if *pos + 2 > b.len() {
            return Err(truncated());
        }
        if b[*pos] != 0xFF {
            // Stray bytes between segments: libjpeg skips them with a warning, so do we.
            *pos += 1;
            continue;
        }
        let marker = b[*pos + 1];
        if marker == 0xFF {
            *pos += 1;
            continue;
        }
        *pos += 2;
        if !matches!(marker, 0x01 | 0xD0..=0xD7) {
            break marker;
        }
    };
    let start = *pos - 2;
    if marker == EOI {
        return Ok((start, marker, &[]));
    }

    if *pos + 2 > b.len() {
        return Err(truncated());
    }
    let len = usize::from(u16::from_be_bytes([b[*pos], b[*pos + 1]]));
    if len < 2 || *pos + len > b.len() {
        return Err(truncated());
    }
    let body = &b[*pos + 2..*pos + len];
    *pos += len;
    Ok((start, marker, body))
}

fn read_sof(body: &[u8], info: &mut JpegInfo) -> Result<(), ImagingError> {
    if body.len() < 6 {
        return Err(ImagingError::DamagedImage(
            "JPEG frame header is too short".into(),
        ));
    }
    info.height = u32::from(u16::from_be_bytes([body[1], body[2]]));
    info.width = u32::from(u16::from_be_bytes([body[3], body[4]]));
    info.components = body[5];
    Ok(())
}

/// ICC profiles longer than one segment are split into numbered chunks.
fn join_icc_chunks(mut chunks: Vec<(u8, Vec<u8>)>) -> Option<Vec<u8>> {
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(seq, _)| *seq);
    Some(chunks.into_iter().flat_map(|(_, data)| data).collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0xFF, marker];
        out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn icc_chunks_are_joined_in_sequence_order() {
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE2, b"ICC_PROFILE\0\x02\x02world"));
        jpeg.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x02hello "));
        jpeg.extend(segment(0xEE, b"Adobe\0\x64\0\0\0\0\x02"));
        jpeg.extend(segment(0xC0, &[8, 0, 20, 0, 30, 4, 1, 0x11, 0, 2, 0x11, 0]));
        jpeg.extend(segment(0xDA, &[0]));
        let info = read_jpeg_info(&jpeg).unwrap();
        assert_eq!((info.width, info.height, info.components), (30, 20, 4));
        assert_eq!(info.icc.as_deref(), Some(&b"hello world"[..]));
        assert!(info.adobe);
    }

    #[test]
    fn a_header_cut_short_is_damage() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J'];
        assert_eq!(read_jpeg_info(&jpeg).unwrap_err().code(), "damaged_image");
    }
}
