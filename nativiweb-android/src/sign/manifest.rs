//! A small reader of the binary `AndroidManifest.xml` inside an APK: what signing and store
//! uploads need — the package name, the version code, and `uses-sdk` `minSdkVersion` (which
//! decides whether v1 JAR signing is needed: Android before 7.0, API 24, only checks v1).
//!
//! Binary XML is a sequence of chunks (`u16 type, u16 header size, u32 size`): a string pool,
//! a resource-id map (attribute name index -> `android:` attribute id), and start/end element
//! chunks whose attributes are 20-byte records (namespace, name, raw string, typed value).

/// What signing reads from the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManifestInfo {
    /// The `package` attribute of `<manifest>`.
    pub package: Option<String>,
    /// `minSdkVersion` of `<uses-sdk>`; 1 when absent (Android's default).
    pub min_sdk: u32,
    /// `targetSdkVersion` of `<uses-sdk>`, when present.
    pub target_sdk: Option<u32>,
    /// `versionCode` of `<manifest>`, when present (what the stores order uploads by).
    pub version_code: Option<u32>,
}

const RES_STRING_POOL: u16 = 0x0001;
const RES_XML: u16 = 0x0003;
const RES_XML_START_ELEMENT: u16 = 0x0102;
const RES_XML_RESOURCE_MAP: u16 = 0x0180;
const ATTR_MIN_SDK: u32 = 0x0101_020c;
const ATTR_TARGET_SDK: u32 = 0x0101_0270;
const ATTR_VERSION_CODE: u32 = 0x0101_021b;
const TYPE_STRING: u8 = 0x03;
const TYPE_INT_DEC: u8 = 0x10;
const TYPE_INT_HEX: u8 = 0x11;

fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}
fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

struct StringPool {
    strings: Vec<String>,
}

impl StringPool {
    fn parse(chunk: &[u8]) -> Result<Self, String> {
        let count = u32_at(chunk, 8)? as usize;
        let flags = u32_at(chunk, 16)?;
        let strings_start = u32_at(chunk, 20)? as usize;
        let header = u16_at(chunk, 2)? as usize;
        let utf8 = flags & 0x100 != 0;
        let mut strings = Vec::with_capacity(count.min(1 << 16));
        for i in 0..count {
            let off = u32_at(chunk, header + 4 * i)? as usize;
            let at = strings_start + off;
            let s = if utf8 {
                // u16-length of characters (1 or 2 bytes), then of bytes, then the bytes.
                let mut p = at;
                let skip_len = |p: &mut usize| -> Result<usize, String> {
                    let a = *chunk.get(*p).ok_or("truncated string")? as usize;
                    if a & 0x80 != 0 {
                        let b = *chunk.get(*p + 1).ok_or("truncated string")? as usize;
                        *p += 2;
                        Ok(((a & 0x7f) << 8) | b)
                    } else {
                        *p += 1;
                        Ok(a)
                    }
                };
                skip_len(&mut p)?;
                let n = skip_len(&mut p)?;
                let bytes = chunk.get(p..p + n).ok_or("truncated string")?;
                String::from_utf8_lossy(bytes).into_owned()
            } else {
                let mut p = at;
                let mut n = u16_at(chunk, p)? as usize;
                p += 2;
                if n & 0x8000 != 0 {
                    n = ((n & 0x7fff) << 16) | u16_at(chunk, p)? as usize;
                    p += 2;
                }
                let units: Result<Vec<u16>, String> =
                    (0..n).map(|k| u16_at(chunk, p + 2 * k)).collect();
                String::from_utf16_lossy(&units?)
            };
            strings.push(s);
        }
        Ok(StringPool { strings })
    }

    fn get(&self, idx: u32) -> Option<&str> {
        self.strings.get(idx as usize).map(String::as_str)
    }
}

/// Reads the package name and SDK levels from a binary `AndroidManifest.xml`.
pub fn read_manifest(xml: &[u8]) -> Result<ManifestInfo, String> {
    if u16_at(xml, 0)? != RES_XML {
        return Err("not a binary XML file (was the APK built by aapt/aapt2?)".into());
    }
    let mut pos = u16_at(xml, 2)? as usize;
    let mut pool: Option<StringPool> = None;
    let mut res_ids: Vec<u32> = Vec::new();
    let mut info = ManifestInfo {
        min_sdk: 1,
        ..Default::default()
    };
    while pos + 8 <= xml.len() {
        let ty = u16_at(xml, pos)?;
        let header = u16_at(xml, pos + 2)? as usize;
        let size = u32_at(xml, pos + 4)? as usize;
        if size < 8 || pos + size > xml.len() {
            return Err(format!("bad chunk size {size} at byte {pos}"));
        }
        let chunk = &xml[pos..pos + size];
        match ty {
            RES_STRING_POOL => pool = Some(StringPool::parse(chunk)?),
            RES_XML_RESOURCE_MAP => {
                res_ids = (header..size)
                    .step_by(4)
                    .map(|o| u32_at(chunk, o))
                    .collect::<Result<_, _>>()?;
            }
            RES_XML_START_ELEMENT => {
                let pool = pool.as_ref().ok_or("element before the string pool")?;
                let ext = header;
                let name = pool.get(u32_at(chunk, ext + 4)?).unwrap_or_default();
                let attr_start = u16_at(chunk, ext + 8)? as usize;
                let attr_size = u16_at(chunk, ext + 10)? as usize;
                let attr_count = u16_at(chunk, ext + 12)? as usize;
                for i in 0..attr_count {
                    let a = ext + attr_start + i * attr_size;
                    let name_idx = u32_at(chunk, a + 4)?;
                    let raw = u32_at(chunk, a + 8)?;
                    let data_type = *chunk.get(a + 15).ok_or("truncated attribute")?;
                    let data = u32_at(chunk, a + 16)?;
                    let attr_name = pool.get(name_idx).unwrap_or_default();
                    let res_id = res_ids.get(name_idx as usize).copied();
                    let int_value = match data_type {
                        TYPE_INT_DEC | TYPE_INT_HEX => Some(data),
                        // A codename ("Tiramisu"): a preview SDK, newer than any number.
                        TYPE_STRING => pool.get(data).map(|s| s.parse::<u32>().unwrap_or(10_000)),
                        _ => None,
                    };
                    match name {
                        "manifest" if attr_name == "package" => {
                            let s = if raw != u32::MAX {
                                pool.get(raw)
                            } else {
                                pool.get(data)
                            };
                            info.package = s.map(str::to_owned);
                        }
                        "manifest"
                            if res_id == Some(ATTR_VERSION_CODE) || attr_name == "versionCode" =>
                        {
                            info.version_code = int_value;
                        }
                        "uses-sdk" => {
                            if res_id == Some(ATTR_MIN_SDK) || attr_name == "minSdkVersion" {
                                if let Some(v) = int_value {
                                    info.min_sdk = v;
                                }
                            } else if res_id == Some(ATTR_TARGET_SDK)
                                || attr_name == "targetSdkVersion"
                            {
                                info.target_sdk = int_value;
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        pos += size;
    }
    Ok(info)
}
