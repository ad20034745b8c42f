//! Reading one option at a time from the submitted JSON object, each with its range and a
//! message that names the field.

use serde_json::{Map, Value};

/// A refused option: `field` is the option's name as submitted (`options.width`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct OptionError {
    pub field: String,
    pub message: String,
}

pub(crate) fn refuse(field: &str, message: impl Into<String>) -> OptionError {
    OptionError {
        field: format!("options.{field}"),
        message: message.into(),
    }
}

pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Accepts `null` or an object whose keys are all in `allowed`.
    pub fn new(value: &'a Value, allowed: &[&str]) -> Result<Fields<'a>, OptionError> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let map = match value {
            Value::Null => EMPTY.get_or_init(Map::new),
            Value::Object(map) => map,
            _ => {
                return Err(OptionError {
                    field: "options".into(),
                    message: "必须是 JSON 对象".into(),
                })
            }
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            let list = allowed.join(", ");
            return Err(refuse(unknown, format!("不支持这个选项（可用：{list}）")));
        }
        Ok(Fields { map })
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn uint(&self, name: &str, range: (u32, u32), default: u32) -> Result<u32, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        let number = value.as_u64().ok_or_else(|| refuse(name, "必须是整数"))?;
        let (low, high) = range;
        if number < u64::from(low) || number > u64::from(high) {
            return Err(refuse(name, format!("必须在 {low} 到 {high} 之间")));
        }
        Ok(number as u32)
    }

    pub fn int(&self, name: &str, range: (i64, i64), default: i64) -> Result<i64, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        let number = value.as_i64().ok_or_else(|| refuse(name, "必须是整数"))?;
        if number < range.0 || number > range.1 {
            return Err(refuse(
                name,
                format!("必须在 {} 到 {} 之间", range.0, range.1),
            ));
        }
        Ok(number)
    }

    pub fn float(&self, name: &str, range: (f64, f64), default: f64) -> Result<f64, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        let number = value.as_f64().ok_or_else(|| refuse(name, "必须是数字"))?;
        if !(range.0..=range.1).contains(&number) {
            return Err(refuse(
                name,
                format!("必须在 {} 到 {} 之间", range.0, range.1),
            ));
        }
        Ok(number)
    }

    pub fn boolean(&self, name: &str, default: bool) -> Result<bool, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        value
            .as_bool()
            .ok_or_else(|| refuse(name, "必须是 true 或 false"))
    }

    pub fn text(&self, name: &str, max_chars: usize) -> Result<Option<String>, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let text = value
            .as_str()
            .ok_or_else(|| refuse(name, "必须是文字"))?
            .trim();
        if text.chars().count() > max_chars {
            return Err(refuse(name, format!("最多 {max_chars} 个字")));
        }
        Ok((!text.is_empty()).then(|| text.to_string()))
    }

    /// One of `choices`, by its name.
    pub fn choice<T: Copy>(
        &self,
        name: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> Result<T, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        let text = value.as_str().unwrap_or_default();
        choices
            .iter()
            .find(|(key, _)| *key == text)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let list: Vec<&str> = choices.iter().map(|(k, _)| *k).collect();
                refuse(name, format!("只能是 {} 之一", list.join(", ")))
            })
    }

    /// A `#RRGGBB` color.
    pub fn color(&self, name: &str, default: [u8; 3]) -> Result<[u8; 3], OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(default);
        };
        value
            .as_str()
            .and_then(parse_hex_color)
            .ok_or_else(|| refuse(name, "颜色格式应为 #RRGGBB"))
    }

    pub fn array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, OptionError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        value
            .as_array()
            .map(Some)
            .ok_or_else(|| refuse(name, "必须是数组"))
    }
}

pub(crate) fn parse_hex_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// Stores colours as the `#RRGGBB` text the API takes, and reads back either that or the
/// `[r, g, b]` array that early rows stored.
pub(crate) mod hex_color {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(color: &[u8; 3], s: S) -> Result<S::Ok, S::Error> {
        let [r, g, b] = color;
        s.serialize_str(&format!("#{r:02X}{g:02X}{b:02X}"))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        Array([u8; 3]),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 3], D::Error> {
        match Stored::deserialize(d)? {
            Stored::Array(rgb) => Ok(rgb),
            Stored::Text(text) => super::parse_hex_color(&text)
                .ok_or_else(|| serde::de::Error::custom("colour must be #RRGGBB")),
        }
    }
}
