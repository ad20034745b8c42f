//! Post-processing for the AI tools: everything exact is made here, after the model.
//!
//! `qwen-image-edit-plus` edits well but cannot promise pixels: it returns about one megapixel
//! of opaque RGB, moves content by a few pixels, and paints "solid" colours that are not quite
//! solid. So the model is asked for what it is good at (the product on a flat key colour, a
//! cleaned photo, a swapped face) and this module makes the deliverable:
//!
//! - [`choose_key_color`] picks a backdrop that contrasts with the product;
//! - [`alpha_from_key`] and [`decontaminate`] turn the model's key-colour output into alpha
//!   with soft edges and no colour spill;
//! - [`estimate_alignment`] finds how the output maps onto the upload, and [`cutout`] uses it
//!   to take the product's pixels from the upload itself (logos and text as photographed);
//! - [`white_background`] and [`fit_defect_output`] make the exact canvases;
//! - the gate ([`check_cutout`], [`check_edited_photo`]) refuses junk before it is delivered;
//! - [`fixtures`] and [`double_edits`] are the synthetic pictures with known truth that tests
//!   and the DashScope test double share.
//!
//! Everything is synchronous and CPU-bound, like the rest of `imaging`.

mod align;
mod cutout;
mod defect;
pub mod double_edits;
pub mod fixtures;
mod gate;
mod grad;
mod key;
mod matte;
mod plane;
mod specks;
mod white;

pub use align::{agrees, estimate_alignment, Alignment, AGREEMENT_MIN_SCORE};
pub use cutout::{cutout, CutoutResult, TRIM_MARGIN};
pub use defect::{finish_defect_output, fit_defect_output};
pub use gate::{
    check_cutout, check_cutout_stats, check_edited_photo, GateFailure, MAX_COVERAGE, MIN_COVERAGE,
    MIN_KEY_PRESENCE,
};
pub use key::{
    choose_key_color, choose_key_color_excluding, key_color_from_text, key_color_name_zh,
    KEY_CANDIDATES,
};
pub use matte::{alpha_from_key, decontaminate, estimate_key_background, key_presence, KEY_NEAR};
pub use white::{alpha_bbox, white_background, EXTENT_ALPHA};
