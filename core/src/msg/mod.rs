//! The message catalogue: every sentence a person can read from Signoff — in the CLI, the app, and
//! from the server through its codes — in zh-CN and en, in one table ([`catalogue`]).
//!
//! A [`Msg`] is a [`Key`] (a stable code, what programs and the UI match on) plus named arguments.
//! Arguments are either a person's own words or data ([`Arg::Value`], shown as given, with control
//! and text-direction characters made visible) or a label that has words in both languages
//! ([`Arg::Label`]: a field name, a status, a role). Rendering fills the template of the chosen
//! language, so a Chinese sentence never carries an English fragment and the other way round (the
//! catalogue test checks every template for the other script).
//!
//! Errors of every crate convert to a `Msg` at their edge (`Rejection`, the device's `Error`, the
//! photo pipeline, the server's refusal codes); nothing user-visible is formatted anywhere else.

mod catalogue;

pub use catalogue::Key;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// 简体中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

/// Words in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    /// 中文.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Text {
    /// Both languages.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }

    /// The same words in both languages (a number, a name, an id).
    pub fn same(s: impl Into<String>) -> Text {
        let s = s.into();
        Text { zh: s.clone(), en: s }
    }

    /// The words in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// What a person typed or data read from somewhere: shown as is (made printable).
    Value(String),
    /// Words with a translation (field names, statuses, roles…).
    Label(Text),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Value(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Value(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Value(s.clone())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Arg {
        Arg::Label(t)
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Value(n.to_string())
            }
        }
    )*};
}
number_args!(u8, u16, u32, u64, usize, i32, i64);

/// A message: a catalogue key and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Which message.
    pub key: Key,
    /// Named arguments, in the order given.
    pub args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// A message without arguments (add them with [`Msg::arg`]).
    pub fn new(key: Key) -> Msg {
        Msg { key, args: Vec::new() }
    }

    /// Add an argument.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Msg {
        self.args.push((name, value.into()));
        self
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.key.code()
    }

    /// The sentence in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let template = self.key.template(lang);
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match self.args.iter().find(|(n, _)| *n == name) {
                Some((_, Arg::Value(v))) => out.push_str(&printable(v, 80)),
                Some((_, Arg::Label(t))) => out.push_str(t.get(lang)),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Chinese.
    pub fn zh(&self) -> String {
        self.render(Lang::Zh)
    }

    /// English.
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }

    /// Both languages.
    pub fn text(&self) -> Text {
        Text { zh: self.zh(), en: self.en() }
    }
}

impl fmt::Display for Msg {
    /// English: logs and `anyhow` chains (people see [`Msg::render`] in their language).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en())
    }
}

/// Whether `c` must not be shown raw: C0/C1 controls (other than newline and tab), the Unicode
/// text-direction controls (which reorder what a reader sees: "Trojan Source"), line and paragraph
/// separators, the byte-order mark and the noncharacters U+FFFE/U+FFFF.
pub fn is_hidden_control(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// `s` made safe to print in a terminal, a table cell or a message: hidden controls shown as `�`,
/// newlines and tabs as spaces, and cut to `max` characters with `…`.
pub fn printable(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max * 4));
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        out.push(match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_hidden_control(c) => '\u{fffd}',
            c => c,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_fill_the_template_of_the_language() {
        let m = Msg::new(Key::Empty).arg("field", Text::new("报修内容", "description"));
        assert_eq!(m.zh(), "报修内容不能为空");
        assert_eq!(m.en(), "description must not be empty");
        assert_eq!(m.code(), "empty");
    }

    /// The catalogue's own promise: each template in one language only (English words in a Chinese
    /// sentence, or Chinese in an English one, are what users saw before), the same arguments in both,
    /// and codes unique.
    #[test]
    fn every_message_is_in_one_language_with_the_same_arguments() {
        fn placeholders(t: &str) -> Vec<&str> {
            let mut v: Vec<&str> = t.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n)).collect();
            v.sort_unstable();
            v
        }
        /// The template without arguments and `code` (commands and flags are the same in both).
        fn words(t: &str) -> String {
            let mut out = String::new();
            let mut depth = (false, false);
            for c in t.chars() {
                match c {
                    '{' => depth.0 = true,
                    '}' => depth.0 = false,
                    '`' => depth.1 = !depth.1,
                    c if !depth.0 && !depth.1 => out.push(c),
                    _ => {}
                }
            }
            out
        }
        // Names of formats, units and standards read the same in Chinese text.
        const SAME_IN_BOTH: &[&str] = &[
            "JPEG", "PNG", "WebP", "HEIC", "MB", "MP", "KB", "SHA", "YYYY", "MM", "DD", "RFC", "CSV", "JSON", "http",
            "s", "tomorrow", "Signoff",
        ];
        let mut codes = std::collections::HashSet::new();
        for key in Key::ALL {
            assert!(codes.insert(key.code()), "code {} twice", key.code());
            assert_eq!(Key::from_code(key.code()), Some(*key));
            let (zh, en) = (key.template(Lang::Zh), key.template(Lang::En));
            assert_eq!(placeholders(zh), placeholders(en), "{}: arguments differ", key.code());
            let en_words = words(en);
            assert!(
                !en_words
                    .chars()
                    .any(|c| ('\u{3000}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c)),
                "{}: Chinese in English: {en}",
                key.code()
            );
            let zh_words = words(zh);
            for w in zh_words.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()) {
                assert!(SAME_IN_BOTH.contains(&w), "{}: English word {w:?} in Chinese: {zh}", key.code());
            }
        }
    }

    #[test]
    fn values_are_printed_without_hidden_controls() {
        assert_eq!(printable("a\u{202e}b\u{0}c\nd", 80), "a\u{fffd}b\u{fffd}c d");
        assert_eq!(printable("一二三四五", 3), "一二三…");
    }
}
