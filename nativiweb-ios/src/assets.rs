//! `Assets.xcassets`: the 1024×1024 app icon (Xcode 14's single-size format; Xcode makes
//! every other size from it), the launch screen's colour and the accent colour.
//!
//! The App Store refuses an icon with an alpha channel, so the app's icon is flattened onto
//! its background colour and written as an opaque RGB PNG. An app without an icon gets one
//! drawn here: the first letter of its name on the theme colour, in black or white, whichever
//! reads better.

use std::path::Path;

use image::{imageops, ImageEncoder, RgbImage, Rgba, RgbaImage};
use nativiweb_core::config::Color;
use serde_json::json;

use crate::error::GenerateError;

/// The icon's size: the App Store's marketing icon, from which Xcode derives the others.
pub const ICON_SIZE: u32 = 1024;

/// The colour set the launch screen (`UILaunchScreen.UIColorName`) shows.
pub(crate) const LAUNCH_COLOR: &str = "LaunchBackground";

/// The icon file in the icon set.
pub(crate) const ICON_FILE: &str = "AppIcon.png";

/// The catalog's files: `(path relative to Assets.xcassets, bytes)`.
pub(crate) fn catalog(
    icon_png: Vec<u8>,
    theme: Color,
    background: Color,
) -> Vec<(String, Vec<u8>)> {
    let info = json!({ "author": "xcode", "version": 1 });
    let icon_set = json!({
        "images": [{
            "filename": ICON_FILE,
            "idiom": "universal",
            "platform": "ios",
            "size": "1024x1024",
        }],
        "info": info,
    });
    vec![
        (
            "Contents.json".to_owned(),
            to_json(&json!({ "info": info })),
        ),
        (
            "AppIcon.appiconset/Contents.json".to_owned(),
            to_json(&icon_set),
        ),
        (format!("AppIcon.appiconset/{ICON_FILE}"), icon_png),
        (
            "AccentColor.colorset/Contents.json".to_owned(),
            to_json(&color_set(theme)),
        ),
        (
            format!("{LAUNCH_COLOR}.colorset/Contents.json"),
            to_json(&color_set(background)),
        ),
    ]
}

fn color_set(c: Color) -> serde_json::Value {
    json!({
        "colors": [{
            "color": {
                "color-space": "srgb",
                "components": {
                    "alpha": "1.000",
                    "blue": format!("0x{:02X}", c.b),
                    "green": format!("0x{:02X}", c.g),
                    "red": format!("0x{:02X}", c.r),
                },
            },
            "idiom": "universal",
        }],
        "info": { "author": "xcode", "version": 1 },
    })
}

fn to_json(v: &serde_json::Value) -> Vec<u8> {
    // Serializing a JSON value to memory does not fail.
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The app's icon at `path`, as the opaque 1024×1024 PNG the icon set holds, with warnings
/// (an icon smaller than 1024 px is scaled up, and looks soft).
pub(crate) fn icon_from_file(
    path: &Path,
    background: Color,
) -> Result<(Vec<u8>, Vec<String>), GenerateError> {
    let bad = |reason: String| GenerateError::Icon {
        path: path.to_owned(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            bad("not found: set `icon` in nativiweb.toml to a PNG in the project".to_owned())
        } else {
            GenerateError::io(path)(e)
        }
    })?;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Err(bad(
            "is not a PNG: give a square PNG of 1024×1024 px".to_owned()
        ));
    }
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .map_err(|e| bad(format!("cannot be decoded ({e}): save it again as a PNG")))?
        .into_rgba8();
    let (w, h) = img.dimensions();
    if w != h {
        return Err(bad(format!(
            "is {w}×{h} px: an app icon must be square (1024×1024 px)"
        )));
    }
    let mut warnings = Vec::new();
    if w < ICON_SIZE {
        warnings.push(format!(
            "icon {} is {w}×{w} px: the App Store icon is 1024×1024, so it was scaled up and will look soft; give a 1024 px icon",
            path.display()
        ));
    }
    let sized = if w == ICON_SIZE {
        img
    } else {
        imageops::resize(&img, ICON_SIZE, ICON_SIZE, imageops::FilterType::Triangle)
    };
    Ok((encode(&flatten(&sized, background))?, warnings))
}

/// The generated icon: the first letter (or digit) of `name` on `theme`.
pub(crate) fn letter_icon(name: &str, theme: Color) -> Result<Vec<u8>, GenerateError> {
    let ink = ink_for(theme);
    let mut img = RgbImage::from_pixel(
        ICON_SIZE,
        ICON_SIZE,
        image::Rgb([theme.r, theme.g, theme.b]),
    );
    if let Some(glyph) = first_glyph(name) {
        // The letter is half the icon's height, centred.
        let cell = ICON_SIZE / 2 / 7;
        let left = (ICON_SIZE - 5 * cell) / 2;
        let top = (ICON_SIZE - 7 * cell) / 2;
        for (row, bits) in glyph.iter().enumerate() {
            for col in 0..5u32 {
                if bits & (0b10000 >> col) == 0 {
                    continue;
                }
                let x0 = left + col * cell;
                let y0 = top + row as u32 * cell;
                for y in y0..y0 + cell {
                    for x in x0..x0 + cell {
                        img.put_pixel(x, y, ink);
                    }
                }
            }
        }
    }
    encode(&img)
}

/// `img` composited onto an opaque `background`.
fn flatten(img: &RgbaImage, background: Color) -> RgbImage {
    let bg = [background.r, background.g, background.b];
    RgbImage::from_fn(img.width(), img.height(), |x, y| {
        let Rgba([r, g, b, a]) = *img.get_pixel(x, y);
        let a = u32::from(a);
        let mix = |c: u8, under: u8| -> u8 {
            ((u32::from(c) * a + u32::from(under) * (255 - a) + 127) / 255) as u8
        };
        image::Rgb([mix(r, bg[0]), mix(g, bg[1]), mix(b, bg[2])])
    })
}

fn encode(img: &RgbImage) -> Result<Vec<u8>, GenerateError> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Sub,
    )
    .write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|e| GenerateError::Io {
        path: ICON_FILE.into(),
        source: std::io::Error::other(e),
    })?;
    Ok(out)
}

/// Relative luminance (WCAG) of a colour.
fn luminance(c: Color) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// Black or white, whichever contrasts more with `c`.
fn ink_for(c: Color) -> image::Rgb<u8> {
    let l = luminance(c);
    let on_white = 1.05 / (l + 0.05);
    let on_black = (l + 0.05) / 0.05;
    if on_black > on_white {
        image::Rgb([0x1a, 0x1a, 0x1a])
    } else {
        image::Rgb([0xff, 0xff, 0xff])
    }
}

/// The glyph of the first letter or digit of `name` (accented Latin letters drawn without
/// their accent), or `None` when it has none this font draws.
fn first_glyph(name: &str) -> Option<[u8; 7]> {
    name.chars().find_map(|c| glyph(fold(c)))
}

/// Common accented Latin letters as their base letter, uppercase.
fn fold(c: char) -> char {
    let c = c.to_uppercase().next().unwrap_or(c);
    match c {
        'À'..='Å' => 'A',
        'Ç' => 'C',
        'È'..='Ë' => 'E',
        'Ì'..='Ï' => 'I',
        'Ñ' => 'N',
        'Ò'..='Ö' | 'Ø' => 'O',
        'Ù'..='Ü' => 'U',
        'Ý' | 'Ÿ' => 'Y',
        other => other,
    }
}

/// A 5×7 glyph: seven rows, the top bit (0b10000) the leftmost column.
#[rustfmt::skip]
fn glyph(c: char) -> Option<[u8; 7]> {
    Some(match c {
        'A' => [0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        'B' => [0b11110, 0b10001, 0b10001, 0b11110, 0b10001, 0b10001, 0b11110],
        'C' => [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
        'D' => [0b11110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b11110],
        'E' => [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b11111],
        'F' => [0b11111, 0b10000, 0b10000, 0b11110, 0b10000, 0b10000, 0b10000],
        'G' => [0b01110, 0b10001, 0b10000, 0b10111, 0b10001, 0b10001, 0b01111],
        'H' => [0b10001, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001],
        'I' => [0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        'J' => [0b00111, 0b00010, 0b00010, 0b00010, 0b00010, 0b10010, 0b01100],
        'K' => [0b10001, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010, 0b10001],
        'L' => [0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b10000, 0b11111],
        'M' => [0b10001, 0b11011, 0b10101, 0b10101, 0b10001, 0b10001, 0b10001],
        'N' => [0b10001, 0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001],
        'O' => [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        'P' => [0b11110, 0b10001, 0b10001, 0b11110, 0b10000, 0b10000, 0b10000],
        'Q' => [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
        'R' => [0b11110, 0b10001, 0b10001, 0b11110, 0b10100, 0b10010, 0b10001],
        'S' => [0b01111, 0b10000, 0b10000, 0b01110, 0b00001, 0b00001, 0b11110],
        'T' => [0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100],
        'U' => [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
        'V' => [0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100],
        'W' => [0b10001, 0b10001, 0b10001, 0b10101, 0b10101, 0b10101, 0b01010],
        'X' => [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
        'Y' => [0b10001, 0b10001, 0b01010, 0b00100, 0b00100, 0b00100, 0b00100],
        'Z' => [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b11111],
        '0' => [0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110],
        '1' => [0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110],
        '2' => [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
        '3' => [0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110],
        '4' => [0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010],
        '5' => [0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110],
        '6' => [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
        '7' => [0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000],
        '8' => [0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110],
        '9' => [0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_fold_accents_and_skip_symbols() {
        assert_eq!(first_glyph("été"), glyph('E'));
        assert_eq!(first_glyph("  42 app"), glyph('4'));
        assert_eq!(first_glyph("🙂 hi"), glyph('H'));
        assert_eq!(first_glyph("日本"), None);
    }

    #[test]
    fn ink_contrasts() {
        let white = Color::parse("#ffffff").unwrap();
        let navy = Color::parse("#0d1b4d").unwrap();
        assert_eq!(ink_for(white), image::Rgb([0x1a, 0x1a, 0x1a]));
        assert_eq!(ink_for(navy), image::Rgb([0xff, 0xff, 0xff]));
    }

    #[test]
    fn flatten_composites_alpha() {
        let mut img = RgbaImage::new(2, 1);
        img.put_pixel(0, 0, Rgba([255, 0, 0, 255]));
        img.put_pixel(1, 0, Rgba([255, 0, 0, 0]));
        let out = flatten(&img, Color::parse("#0000ff").unwrap());
        assert_eq!(out.get_pixel(0, 0), &image::Rgb([255, 0, 0]));
        assert_eq!(out.get_pixel(1, 0), &image::Rgb([0, 0, 255]));
    }
}
