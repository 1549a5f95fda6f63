//! Launcher icons: the app's square PNG resized to every density, or a generated icon (the
//! first letter of the app's name on its theme colour), plus the layers of an adaptive icon.
//!
//! Android wants the launcher icon at 48 dp: 48, 72, 96, 144 and 192 px at mdpi, hdpi, xhdpi,
//! xxhdpi and xxxhdpi. From Android 8 (API 26) launchers mask icons to their own shape, and an
//! *adaptive* icon gives them two 108 dp layers, of which the middle 72 dp show. nativiweb
//! always writes both: the legacy PNGs (Android 7) and an adaptive icon whose background is a
//! colour and whose foreground is the icon scaled to the visible 72 dp (a user's icon) or the
//! letter alone (the generated icon), so no launcher shrinks it onto a white disc.
//!
//! No font file is available offline, so the generated letter is drawn from a 5×7 dot-matrix
//! glyph set written here, stroked with round caps and anti-aliased so it reads as a letter,
//! not as pixel art.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use image::{ImageEncoder, Rgba, RgbaImage};
use nativiweb_core::config::Color;
use rayon::prelude::*;

use crate::package::apk::arsc::density;

/// Densities of launcher icons, with the legacy icon's size (48 dp) and the adaptive layers'
/// size (108 dp) in pixels.
pub const DENSITIES: [(u16, u32, u32); 5] = [
    (density::MDPI, 48, 108),
    (density::HDPI, 72, 162),
    (density::XHDPI, 96, 216),
    (density::XXHDPI, 144, 324),
    (density::XXXHDPI, 192, 432),
];

/// The smallest icon accepted: anything smaller would be blurry even at mdpi.
pub const MIN_ICON_SIZE: u32 = 48;

/// The size recommended for icons (Play's store listing uses 512 px).
pub const RECOMMENDED_ICON_SIZE: u32 = 512;

/// Why an icon could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IconError {
    /// The file could not be read.
    #[error("cannot read icon {path}: {source}; check the `icon` path in nativiweb.toml")]
    Io {
        /// The icon file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a PNG.
    #[error("icon {path} is not a PNG file; export the icon as a square PNG (512 px or more) and point `icon` at it")]
    NotPng {
        /// The icon file.
        path: PathBuf,
    },
    /// The PNG could not be decoded.
    #[error("icon {path} is a damaged PNG ({message}); export it again")]
    Decode {
        /// The icon file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// The icon is not square.
    #[error("icon {path} is {width}x{height} px, but launcher icons must be square; crop or pad it to a square PNG (512x512 px or more)")]
    NotSquare {
        /// The icon file.
        path: PathBuf,
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The icon is too small.
    #[error("icon {path} is only {size}x{size} px; use a square PNG of at least {MIN_ICON_SIZE} px (512 px recommended)")]
    TooSmall {
        /// The icon file.
        path: PathBuf,
        /// Its side.
        size: u32,
    },
    /// Encoding a resized icon failed (out of memory, in practice).
    #[error("encoding a {size} px launcher icon failed: {message}")]
    Encode {
        /// The icon size being written.
        size: u32,
        /// The encoder's message.
        message: String,
    },
}

/// One PNG at one density.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DensityPng {
    /// The density (`ResTable_config::density`).
    pub density: u16,
    /// The PNG bytes.
    pub png: Vec<u8>,
}

/// Every launcher icon file an APK needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LauncherIcons {
    /// The 48 dp icon at each density (`mipmap-*/ic_launcher.png`).
    pub legacy: Vec<DensityPng>,
    /// The adaptive icon's 108 dp foreground at each density
    /// (`mipmap-*/ic_launcher_foreground.png`).
    pub foreground: Vec<DensityPng>,
    /// The adaptive icon's background colour.
    pub background: Color,
}

/// Where the launcher icon comes from.
#[derive(Debug, Clone)]
pub enum IconSource {
    /// The app's own square PNG, decoded.
    Image(RgbaImage),
    /// A generated icon: the first letter of `name` on `color`.
    Letter {
        /// The app name (its first letter or digit is drawn).
        name: String,
        /// The background (theme) colour.
        color: Color,
    },
}

impl IconSource {
    /// Reads and checks the app's icon: it must be a square PNG of at least
    /// [`MIN_ICON_SIZE`] px.
    pub fn load(path: &Path) -> Result<IconSource, IconError> {
        let bytes = std::fs::read(path).map_err(|source| IconError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_png_bytes(path, &bytes)
    }

    /// Like [`IconSource::load`], from bytes already read (`path` is only used in errors).
    pub fn from_png_bytes(path: &Path, bytes: &[u8]) -> Result<IconSource, IconError> {
        if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(IconError::NotPng {
                path: path.to_owned(),
            });
        }
        let img =
            image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(|e| {
                IconError::Decode {
                    path: path.to_owned(),
                    message: e.to_string(),
                }
            })?;
        let (w, h) = (img.width(), img.height());
        if w != h {
            return Err(IconError::NotSquare {
                path: path.to_owned(),
                width: w,
                height: h,
            });
        }
        if w < MIN_ICON_SIZE {
            return Err(IconError::TooSmall {
                path: path.to_owned(),
                size: w,
            });
        }
        Ok(IconSource::Image(img.into_rgba8()))
    }

    /// Renders every launcher icon (in parallel). `background` is the adaptive icon's
    /// background for an app's own icon (the generated icon uses its theme colour).
    ///
    /// An app's icon is area-averaged down to each size straight from the source (sharp, and
    /// an order of magnitude faster than a generic resampling filter); the generated icon is
    /// drawn at each size, so it is crisp at every density.
    pub fn render(&self, background: Color) -> Result<LauncherIcons, IconError> {
        let jobs: Vec<(bool, u16, u32)> = DENSITIES
            .iter()
            .flat_map(|(d, legacy, fg)| [(false, *d, *legacy), (true, *d, *fg)])
            .collect();
        let render_one = |is_fg: bool, size: u32| -> RgbaImage {
            match self {
                IconSource::Image(img) if is_fg => {
                    // The icon fills the visible 72 dp of the 108 dp layer.
                    let inner = resize(img, size * 2 / 3);
                    let mut canvas = RgbaImage::new(size, size);
                    let offset = i64::from(size / 6);
                    image::imageops::overlay(&mut canvas, &inner, offset, offset);
                    canvas
                }
                IconSource::Image(img) => resize(img, size),
                IconSource::Letter { name, color } => {
                    let glyph = first_glyph(name);
                    let ink = ink_for(*color);
                    if is_fg {
                        // The letter stays inside the adaptive icon's 66 dp safe zone.
                        draw_letter(size, None, ink, glyph, 0.34)
                    } else {
                        draw_letter(size, Some(*color), ink, glyph, 0.56)
                    }
                }
            }
        };
        let pngs: Vec<(bool, DensityPng)> = jobs
            .par_iter()
            .map(|(is_fg, d, size)| {
                let img = render_one(*is_fg, *size);
                Ok((
                    *is_fg,
                    DensityPng {
                        density: *d,
                        png: encode_png(&img)?,
                    },
                ))
            })
            .collect::<Result<_, IconError>>()?;
        let mut legacy = Vec::new();
        let mut foreground = Vec::new();
        for (is_fg, p) in pngs {
            if is_fg {
                foreground.push(p);
            } else {
                legacy.push(p);
            }
        }
        let background = match self {
            IconSource::Image(_) => background,
            IconSource::Letter { color, .. } => *color,
        };
        Ok(LauncherIcons {
            legacy,
            foreground,
            background,
        })
    }
}

/// Resizes a square image to `size` px: area averaging (with premultiplied alpha, so
/// transparent pixels do not darken edges) when shrinking, Catmull-Rom when enlarging.
pub fn resize(src: &RgbaImage, size: u32) -> RgbaImage {
    if size == src.width() && size == src.height() {
        return src.clone();
    }
    if size > src.width() || size > src.height() {
        return image::imageops::resize(src, size, size, FilterType::CatmullRom);
    }
    let (w, h) = (src.width() as usize, src.height() as usize);
    let out = size as usize;
    let pre: Vec<[f32; 4]> = src
        .pixels()
        .map(|p| {
            let a = f32::from(p[3]) / 255.0;
            [
                f32::from(p[0]) * a,
                f32::from(p[1]) * a,
                f32::from(p[2]) * a,
                f32::from(p[3]),
            ]
        })
        .collect();
    let wx = area_weights(w, out);
    let mut tmp = vec![[0f32; 4]; h * out];
    for y in 0..h {
        let row = &pre[y * w..(y + 1) * w];
        for (ox, (start, ws)) in wx.iter().enumerate() {
            let mut acc = [0f32; 4];
            for (k, wk) in ws.iter().enumerate() {
                let p = row[start + k];
                for c in 0..4 {
                    acc[c] += p[c] * wk;
                }
            }
            tmp[y * out + ox] = acc;
        }
    }
    let wy = area_weights(h, out);
    let mut img = RgbaImage::new(size, size);
    for (oy, (start, ws)) in wy.iter().enumerate() {
        for ox in 0..out {
            let mut acc = [0f32; 4];
            for (k, wk) in ws.iter().enumerate() {
                let p = tmp[(start + k) * out + ox];
                for c in 0..4 {
                    acc[c] += p[c] * wk;
                }
            }
            let a = acc[3];
            let px = if a <= 0.0 {
                [0, 0, 0, 0]
            } else {
                let un = 255.0 / a;
                let q = |v: f32| (v * un).round().clamp(0.0, 255.0) as u8;
                [
                    q(acc[0]),
                    q(acc[1]),
                    q(acc[2]),
                    a.round().clamp(0.0, 255.0) as u8,
                ]
            };
            img.put_pixel(ox as u32, oy as u32, Rgba(px));
        }
    }
    img
}

/// For each output sample, the first input index and the weights of the inputs it covers
/// (their overlap with the output's footprint, normalized to sum to 1).
fn area_weights(input: usize, output: usize) -> Vec<(usize, Vec<f32>)> {
    let scale = input as f64 / output as f64;
    (0..output)
        .map(|o| {
            let a = o as f64 * scale;
            let b = ((o + 1) as f64 * scale).min(input as f64);
            let start = a.floor() as usize;
            let end = (b.ceil() as usize).min(input);
            let ws = (start..end)
                .map(|i| {
                    let lo = a.max(i as f64);
                    let hi = b.min((i + 1) as f64);
                    ((hi - lo).max(0.0) / scale) as f32
                })
                .collect();
            (start, ws)
        })
        .collect()
}

/// Encodes an RGBA image as PNG (deterministic: fixed settings, no timestamps or text chunks).
pub fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, IconError> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    )
    .write_image(
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::Rgba8,
    )
    .map_err(|e| IconError::Encode {
        size: img.width(),
        message: e.to_string(),
    })?;
    Ok(out)
}

/// Relative luminance (0..1) of a colour, per WCAG.
pub fn luminance(c: Color) -> f32 {
    fn lin(v: u8) -> f32 {
        let v = f32::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    }
    0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b)
}

/// True when dark text and icons read better than light ones on `c` (light status bar).
pub fn is_light(c: Color) -> bool {
    // Above this, dark ink reads better; below it (most brand colours) white ink is the
    // convention, even where the WCAG contrast crossover (0.179) would pick dark.
    luminance(c) > 0.4
}

fn ink_for(c: Color) -> Rgba<u8> {
    if is_light(c) {
        Rgba([0x20, 0x21, 0x24, 0xff])
    } else {
        Rgba([0xff, 0xff, 0xff, 0xff])
    }
}

/// 5×7 glyphs: one byte per row, bit 4 is the leftmost column.
const GLYPHS: [(char, [u8; 7]); 36] = [
    ('A', [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11]),
    ('B', [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e]),
    ('C', [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e]),
    ('D', [0x1e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1e]),
    ('E', [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f]),
    ('F', [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10]),
    ('G', [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f]),
    ('H', [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11]),
    ('I', [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e]),
    ('J', [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c]),
    ('K', [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11]),
    ('L', [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f]),
    ('M', [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11]),
    ('N', [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11]),
    ('O', [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e]),
    ('P', [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10]),
    ('Q', [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d]),
    ('R', [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11]),
    ('S', [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e]),
    ('T', [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04]),
    ('U', [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e]),
    ('V', [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04]),
    ('W', [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a]),
    ('X', [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11]),
    ('Y', [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04]),
    ('Z', [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f]),
    ('0', [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e]),
    ('1', [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e]),
    ('2', [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f]),
    ('3', [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e]),
    ('4', [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02]),
    ('5', [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e]),
    ('6', [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e]),
    ('7', [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08]),
    ('8', [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e]),
    ('9', [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c]),
];

/// A filled circle, for names with no Latin letter or digit.
const DOT: [u8; 7] = [0x00, 0x0e, 0x1f, 0x1f, 0x1f, 0x0e, 0x00];

/// The glyph of the first ASCII letter or digit of `name` (accents folded for common Latin
/// letters), or a dot when there is none.
pub fn first_glyph(name: &str) -> [u8; 7] {
    let c = name.chars().find_map(|c| {
        let c = fold_accent(c).to_ascii_uppercase();
        c.is_ascii_alphanumeric().then_some(c)
    });
    c.and_then(|c| GLYPHS.iter().find(|(g, _)| *g == c).map(|(_, rows)| *rows))
        .unwrap_or(DOT)
}

fn fold_accent(c: char) -> char {
    match c {
        'À'..='Å' | 'à'..='å' => 'A',
        'Ç' | 'ç' => 'C',
        'È'..='Ë' | 'è'..='ë' => 'E',
        'Ì'..='Ï' | 'ì'..='ï' => 'I',
        'Ñ' | 'ñ' => 'N',
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' => 'O',
        'Ù'..='Ü' | 'ù'..='ü' => 'U',
        'Ý' | 'ý' | 'ÿ' => 'Y',
        other => other,
    }
}

/// Draws `glyph` centred on a `size` px square, its height `scale` of the side, as round-capped
/// strokes between neighbouring dots (anti-aliased), over `background` (or transparent).
fn draw_letter(
    size: u32,
    background: Option<Color>,
    ink: Rgba<u8>,
    glyph: [u8; 7],
    scale: f32,
) -> RgbaImage {
    let mut img = match background {
        Some(c) => RgbaImage::from_pixel(size, size, Rgba([c.r, c.g, c.b, 0xff])),
        None => RgbaImage::new(size, size),
    };
    let on = |x: i32, y: i32| -> bool {
        (0..5).contains(&x) && (0..7).contains(&y) && glyph[y as usize] & (0x10 >> x) != 0
    };
    let s = size as f32;
    let cell = s * scale / 6.0; // 7 rows of dots span 6 cells between centres
    let radius = cell * 0.42;
    let origin_x = s / 2.0 - 2.0 * cell;
    let origin_y = s / 2.0 - 3.0 * cell;
    let centre = |x: i32, y: i32| (origin_x + x as f32 * cell, origin_y + y as f32 * cell);

    let mut segments = Vec::new();
    for y in 0..7 {
        for x in 0..5 {
            if !on(x, y) {
                continue;
            }
            let a = centre(x, y);
            segments.push((a, a));
            if on(x + 1, y) {
                segments.push((a, centre(x + 1, y)));
            }
            if on(x, y + 1) {
                segments.push((a, centre(x, y + 1)));
            }
            if on(x + 1, y + 1) && !on(x + 1, y) && !on(x, y + 1) {
                segments.push((a, centre(x + 1, y + 1)));
            }
            if on(x - 1, y + 1) && !on(x - 1, y) && !on(x, y + 1) {
                segments.push((a, centre(x - 1, y + 1)));
            }
        }
    }

    let mut coverage = vec![0f32; (size * size) as usize];
    for ((ax, ay), (bx, by)) in segments {
        let x0 = ((ax.min(bx) - radius - 1.0).floor().max(0.0)) as u32;
        let x1 = ((ax.max(bx) + radius + 1.0).ceil().min(s - 1.0)) as u32;
        let y0 = ((ay.min(by) - radius - 1.0).floor().max(0.0)) as u32;
        let y1 = ((ay.max(by) + radius + 1.0).ceil().min(s - 1.0)) as u32;
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        for py in y0..=y1 {
            for px in x0..=x1 {
                let (qx, qy) = (px as f32 + 0.5 - ax, py as f32 + 0.5 - ay);
                let t = if len2 > 0.0 {
                    ((qx * dx + qy * dy) / len2).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let (ex, ey) = (qx - t * dx, qy - t * dy);
                let d = (ex * ex + ey * ey).sqrt();
                let c = (radius - d + 0.5).clamp(0.0, 1.0);
                let slot = &mut coverage[(py * size + px) as usize];
                if c > *slot {
                    *slot = c;
                }
            }
        }
    }
    for (i, px) in img.pixels_mut().enumerate() {
        let c = coverage[i];
        if c <= 0.0 {
            continue;
        }
        let Rgba([r, g, b, a]) = *px;
        let blend = |bg: u8, fg: u8| (f32::from(bg) * (1.0 - c) + f32::from(fg) * c).round() as u8;
        *px = if background.is_some() {
            Rgba([blend(r, ink[0]), blend(g, ink[1]), blend(b, ink[2]), a])
        } else {
            Rgba([ink[0], ink[1], ink[2], (c * 255.0).round() as u8])
        };
    }
    img
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyph_lookup() {
        assert_eq!(first_glyph("hello"), GLYPHS[7].1);
        assert_eq!(first_glyph("  éclair"), GLYPHS[4].1);
        assert_eq!(first_glyph("9lives"), GLYPHS[35].1);
        assert_eq!(first_glyph("日本"), DOT);
    }

    #[test]
    fn area_resize_averages_and_keeps_edges_clean() {
        // A 4x4 checker of red and transparent shrinks to one half-transparent red pixel (not
        // a dark one: alpha is premultiplied).
        let mut img = RgbaImage::new(4, 4);
        for (x, y, p) in img.enumerate_pixels_mut() {
            if (x + y) % 2 == 0 {
                *p = Rgba([255, 0, 0, 255]);
            }
        }
        let one = resize(&img, 1);
        assert_eq!(one.get_pixel(0, 0).0, [255, 0, 0, 128]);
        let w = area_weights(3, 2);
        assert_eq!(w[0].0, 0);
        assert_eq!(w[1].0, 1);
        for (_, ws) in &w {
            assert!((ws.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert_eq!(resize(&img, 8).dimensions(), (8, 8));
    }

    #[test]
    fn contrast() {
        assert!(is_light(Color::parse("#ffffff").unwrap()));
        assert!(!is_light(Color::parse("#0d6efd").unwrap()));
        assert!(!is_light(Color::parse("#000000").unwrap()));
    }

    #[test]
    fn letter_icon_has_ink_and_background() {
        let bg = Color::parse("#0d6efd").unwrap();
        let img = draw_letter(
            256,
            Some(bg),
            Rgba([255, 255, 255, 255]),
            first_glyph("T"),
            0.56,
        );
        // Corner is the theme colour, the top bar of the T is white.
        assert_eq!(img.get_pixel(0, 0).0, [0x0d, 0x6e, 0xfd, 0xff]);
        let top_y = (128.0 - 3.0 * 256.0 * 0.56 / 6.0) as u32;
        assert_eq!(img.get_pixel(128, top_y).0, [255, 255, 255, 255]);
        // Below the bar, off the stem: background.
        assert_eq!(img.get_pixel(80, 150).0, [0x0d, 0x6e, 0xfd, 0xff]);
    }
}
