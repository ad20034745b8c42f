//! Helpers shared by the DashScope tests: synthetic images and clients wired to a double.

use std::io::Cursor;
use std::sync::Arc;

use aigc_studio::dashscope::double::{self, DoubleConfig, DoubleHandle};
use aigc_studio::dashscope::{
    DashscopeClient, DashscopeSettings, EditRequest, ImageSource, LocalRateGate,
};
use image::{DynamicImage, ImageFormat, RgbImage};

/// A gradient picture, encoded in `format`.
pub fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .expect("encode test picture");
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    picture(width, height, ImageFormat::Jpeg)
}

/// A request with one inline JPEG.
pub fn simple_request() -> EditRequest {
    EditRequest::new("把背景换成纯白色", vec![ImageSource::bytes(jpeg(600, 400))])
}

pub async fn start_double(config: DoubleConfig) -> DoubleHandle {
    double::start(config).await.expect("start double")
}

/// A client on `double` with its own in-process gate; `tweak` adjusts the settings.
pub fn client(
    double: &DoubleHandle,
    tweak: impl FnOnce(&mut DashscopeSettings),
) -> DashscopeClient {
    let mut settings = double.client_settings();
    tweak(&mut settings);
    let gate = Arc::new(LocalRateGate::new(settings.base_interval()));
    DashscopeClient::new(settings, gate).expect("client")
}

/// A double without rate limit, so error tests do not wait for slots, and with small outputs,
/// since PNG encoding in a debug build is slow.
pub fn fast_double() -> DoubleConfig {
    DoubleConfig {
        rate: 0,
        output_megapixels: SMALL_MP,
        ..DoubleConfig::default()
    }
}

/// About 256x256 outputs.
pub const SMALL_MP: f64 = 0.0625;

/// Settings tweak: a single attempt, to observe how one answer is classified.
pub fn one_attempt(s: &mut DashscopeSettings) {
    s.max_attempts = 1;
    s.requests_per_second = 100.0;
}
