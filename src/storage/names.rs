use rand::Rng;

/// A random lowercase hex token of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// True for one path segment of ours: no separators, no dot-dot, no hidden files.
pub(crate) fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && name.len() <= 255
}

/// The stem of an uploaded file's name, safe as a file name on any system and readable:
/// Chinese and other letters are kept, separators and control characters become `_`.
pub fn sanitize_stem(original_name: &str) -> String {
    let base = original_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(original_name);
    let stem = match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => base,
    };
    let cleaned: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "-_ ()[]+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "image".to_string()
    } else {
        cleaned
    }
}

/// `IMG_0012.jpg` + `white` + `jpg` → `IMG_0012_white.jpg`; `index` numbers the outputs of a
/// task that makes several (`IMG_0012_view_2.jpg`).
pub fn result_file_name(
    original_name: &str,
    suffix: &str,
    index: Option<usize>,
    ext: &str,
) -> String {
    let stem = sanitize_stem(original_name);
    match index {
        Some(i) => format!("{stem}_{suffix}_{i}.{ext}"),
        None => format!("{stem}_{suffix}.{ext}"),
    }
}

/// The name a download is saved under: the result's own file name (decoded), which
/// already derives from the original.
pub fn download_name(result_url: &str) -> String {
    let last = result_url.rsplit('/').next().unwrap_or("result");
    let last = last.split(['?', '#']).next().unwrap_or(last);
    let decoded = super::percent_decode(last).unwrap_or_else(|| last.to_string());
    if decoded.is_empty() {
        "result".to_string()
    } else {
        decoded
    }
}

/// Percent-encodes one URL path segment, keeping letters, digits and `-._~`.
pub(crate) fn encode_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
