//! Finding and loading a font that can draw Chinese.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use swash::{CacheKey, FontRef};

use crate::imaging::ImagingError;

/// Fonts from Debian packages, best first. `fonts-wqy-microhei` is small (5 MB) and covers
/// simplified and traditional Chinese; Noto CJK is the larger, nicer alternative.
const SYSTEM_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
];

/// Folder (relative to the working directory) where an install can drop its own font file.
const BUNDLED_DIR: &str = "assets/fonts";

/// A character every usable font must have: a font without it cannot be a CJK font.
const PROBE_CHAR: char = '中';

/// A parsed font file kept in memory; cheap to borrow as a `swash::FontRef` for each job.
#[derive(Debug)]
pub struct LoadedFont {
    data: Vec<u8>,
    offset: u32,
    key: CacheKey,
}

impl LoadedFont {
    pub(crate) fn as_ref(&self) -> FontRef<'_> {
        FontRef {
            data: &self.data,
            offset: self.offset,
            key: self.key,
        }
    }

    fn parse(data: Vec<u8>, index: usize) -> Option<Self> {
        let font = FontRef::from_index(&data, index)?;
        let (offset, key) = (font.offset, font.key);
        Some(Self { data, offset, key })
    }
}

/// Where the watermark font comes from. The font is read and parsed once, on first use, and
/// shared by every job afterwards; keep one `FontSource` for the whole process.
#[derive(Debug, Default)]
pub struct FontSource {
    configured: Option<PathBuf>,
    loaded: OnceLock<Result<(PathBuf, LoadedFont), String>>,
}

impl FontSource {
    /// With `Some(path)` only that file is used (a wrong path is an error, not a silent
    /// fallback); with `None` the bundled folder and then the system fonts are searched.
    pub fn new(configured: Option<PathBuf>) -> Self {
        Self {
            configured,
            loaded: OnceLock::new(),
        }
    }

    /// Searches the bundled folder and the usual Debian font paths.
    pub fn system() -> Self {
        Self::new(None)
    }

    /// The loaded font, or `font_missing` saying where we looked.
    pub fn font(&self) -> Result<&LoadedFont, ImagingError> {
        let loaded = self.loaded.get_or_init(|| self.load());
        match loaded {
            Ok((_, font)) => Ok(font),
            Err(reason) => Err(ImagingError::FontMissing(reason.clone())),
        }
    }

    /// The file the font was loaded from, once loaded successfully.
    pub fn path(&self) -> Option<&Path> {
        match self.loaded.get() {
            Some(Ok((path, _))) => Some(path),
            _ => None,
        }
    }

    fn load(&self) -> Result<(PathBuf, LoadedFont), String> {
        if let Some(path) = &self.configured {
            return load_cjk(path).map(|font| (path.clone(), font));
        }
        let candidates = bundled_fonts()
            .into_iter()
            .chain(SYSTEM_FONTS.iter().map(PathBuf::from));
        for path in candidates {
            match load_cjk(&path) {
                Ok(font) => {
                    tracing::info!(path = %path.display(), "watermark font loaded");
                    return Ok((path, font));
                }
                Err(reason) => tracing::debug!(%reason, "font candidate skipped"),
            }
        }
        Err(format!(
            "no CJK font in {BUNDLED_DIR}/ or the system font folders \
             (install fonts-wqy-microhei or configure a font path)"
        ))
    }
}

fn bundled_fonts() -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(BUNDLED_DIR) else {
        return Vec::new();
    };
    let mut fonts: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
            matches!(
                ext.to_ascii_lowercase().as_str(),
                "ttf" | "otf" | "ttc" | "otc"
            )
        })
        .collect();
    fonts.sort();
    fonts
}

/// Reads a font file and checks that it draws Chinese.
fn load_cjk(path: &Path) -> Result<LoadedFont, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let index = face_index(path);
    let font = match LoadedFont::parse(data.clone(), index) {
        Some(font) => font,
        None if index != 0 => LoadedFont::parse(data, 0)
            .ok_or_else(|| format!("{} is not a font file", path.display()))?,
        None => return Err(format!("{} is not a font file", path.display())),
    };
    if font.as_ref().charmap().map(PROBE_CHAR) == 0 {
        return Err(format!("{} has no Chinese glyphs", path.display()));
    }
    Ok(font)
}

/// Noto's CJK collections hold the Japanese, Korean, Simplified Chinese, ... faces in that
/// order; the simplified Chinese one (index 2) draws the shapes mainland shoppers expect.
/// Other collections put their main face first.
fn face_index(path: &Path) -> usize {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with("NotoSansCJK") || name.starts_with("NotoSerifCJK") {
        2
    } else {
        0
    }
}
