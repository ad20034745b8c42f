//! Image formats: what we accept (sniffed from the bytes) and what we write.

use serde::{Deserialize, Serialize};

use super::ImagingError;

/// A format we accept as input. Always decided from the first bytes of the file, never from its
/// name: an operator's `photo.png` that is really a JPEG is read as a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    Jpeg,
    Png,
    Webp,
    Bmp,
    Tiff,
    Gif,
}

impl SourceFormat {
    /// The usual file extension, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
            Self::Gif => "gif",
        }
    }

    /// The media type to serve the file with.
    pub fn mime(&self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Bmp => "image/bmp",
            Self::Tiff => "image/tiff",
            Self::Gif => "image/gif",
        }
    }

    /// Recognises the format from the magic bytes at the start of the file.
    pub fn sniff(bytes: &[u8]) -> Result<Self, ImagingError> {
        if bytes.is_empty() {
            return Err(ImagingError::EmptyFile);
        }
        if let Some(format) = sniff_accepted(bytes) {
            return Ok(format);
        }
        Err(
            name_unsupported(bytes).map_or(ImagingError::NotAnImage, |name| {
                ImagingError::UnsupportedFormat(name.to_string())
            }),
        )
    }

    pub(crate) fn image_format(&self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
            Self::Bmp => image::ImageFormat::Bmp,
            Self::Tiff => image::ImageFormat::Tiff,
            Self::Gif => image::ImageFormat::Gif,
        }
    }

    /// The output format that keeps this source's nature: JPEG stays JPEG, PNG stays PNG, WEBP
    /// stays WEBP. GIF, BMP and TIFF become PNG, because they are lossless formats (often with
    /// transparency or sharp graphics) and PNG is the lossless format every marketplace takes.
    pub fn closest_output(&self) -> OutputFormat {
        match self {
            Self::Jpeg => OutputFormat::Jpeg,
            Self::Webp => OutputFormat::Webp,
            Self::Png | Self::Bmp | Self::Tiff | Self::Gif => OutputFormat::Png,
        }
    }
}

fn sniff_accepted(b: &[u8]) -> Option<SourceFormat> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(SourceFormat::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(SourceFormat::Png)
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(SourceFormat::Webp)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some(SourceFormat::Gif)
    } else if b.starts_with(b"II*\0") || b.starts_with(b"MM\0*") {
        Some(SourceFormat::Tiff)
    } else if looks_like_bmp(b) {
        Some(SourceFormat::Bmp)
    } else {
        None
    }
}

/// "BM" alone is too weak a signature (a text file may start with it), so the size of the
/// second header, which only takes a few known values, is checked too.
fn looks_like_bmp(b: &[u8]) -> bool {
    if b.len() < 18 || !b.starts_with(b"BM") {
        return false;
    }
    let dib_size = u32::from_le_bytes([b[14], b[15], b[16], b[17]]);
    matches!(dib_size, 12 | 16 | 40 | 52 | 56 | 64 | 108 | 124)
}

/// Names image formats that we recognise but refuse, so the operator learns what to convert.
fn name_unsupported(b: &[u8]) -> Option<&'static str> {
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        return match &b[8..12] {
            b"avif" | b"avis" => Some("AVIF"),
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"hevc" => Some("HEIC"),
            _ => None,
        };
    }
    if b.starts_with(b"8BPS") {
        return Some("PSD");
    }
    if b.starts_with(&[0xFF, 0x0A]) || b.starts_with(b"\0\0\0\x0cJXL ") {
        return Some("JPEG XL");
    }
    match image::guess_format(b).ok()? {
        image::ImageFormat::Ico => Some("ICO"),
        image::ImageFormat::Qoi => Some("QOI"),
        image::ImageFormat::Pnm => Some("PNM"),
        image::ImageFormat::Tga => Some("TGA"),
        image::ImageFormat::Dds => Some("DDS"),
        image::ImageFormat::Hdr => Some("HDR"),
        image::ImageFormat::OpenExr => Some("OpenEXR"),
        image::ImageFormat::Farbfeld => Some("Farbfeld"),
        _ => None,
    }
}

/// A format we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    Jpeg,
    Png,
    Webp,
}

impl OutputFormat {
    pub fn extension(&self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    pub fn mime(&self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// Whether the format can carry an alpha channel.
    pub fn supports_alpha(&self) -> bool {
        !matches!(self, Self::Jpeg)
    }
}

/// The operator's choice of output format for a resize.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormatChoice {
    /// The source's closest output format, see [`SourceFormat::closest_output`].
    #[default]
    Keep,
    Jpg,
    Png,
    Webp,
}

impl FormatChoice {
    pub fn resolve(&self, source: SourceFormat) -> OutputFormat {
        match self {
            Self::Keep => source.closest_output(),
            Self::Jpg => OutputFormat::Jpeg,
            Self::Png => OutputFormat::Png,
            Self::Webp => OutputFormat::Webp,
        }
    }
}
