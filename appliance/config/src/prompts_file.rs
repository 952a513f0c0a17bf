//! `prompts.toml` (optional): text prompts, synthesized when the configuration is applied.
//!
//! ```toml
//! [prompts.welcome]
//! en = "Welcome to the hotline."
//! zh = "欢迎致电服务热线。"
//! ```

use crate::error::{ConfigError, SourceFile};
use ivr::flow::Language;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

pub const PROMPTS_FILE: &str = "prompts.toml";
/// Recordings in the configuration directory: `prompts/NAME.wav`, and per language
/// `prompts/en/NAME.wav`, `prompts/zh/NAME.wav`.
pub const PROMPTS_DIR: &str = "prompts";

/// Prompt name → language → text.
pub type TextPrompts = BTreeMap<String, BTreeMap<Language, String>>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptsFile {
    #[serde(default)]
    prompts: BTreeMap<String, Spanned<RawTextPrompt>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTextPrompt {
    en: Option<Spanned<String>>,
    zh: Option<Spanned<String>>,
}

/// Reads `prompts.toml` (optional); every error with file, line, column and reason.
pub(crate) fn load_text_prompts(dir: &Path, errors: &mut Vec<ConfigError>) -> TextPrompts {
    let path = dir.join(PROMPTS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return TextPrompts::new(),
        Err(error) => {
            errors.push(SourceFile::whole_file_error(
                &path,
                PROMPTS_FILE,
                format!("cannot read: {error}"),
            ));
            return TextPrompts::new();
        }
    };
    let file = SourceFile { path, text };
    let raw: PromptsFile = match toml::from_str(&file.text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            errors.push(file.error_at(span, "prompts", error.message().trim()));
            return TextPrompts::new();
        }
    };
    let mut prompts = TextPrompts::new();
    for (name, entry) in raw.prompts {
        let span = entry.span();
        let entry = entry.into_inner();
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            errors.push(file.error_at(
                span.clone(),
                format!("prompts.{name}"),
                "a prompt name is a plain name: no `/`, `\\` or leading `.`",
            ));
            continue;
        }
        let given = entry.en.is_some() || entry.zh.is_some();
        let mut texts = BTreeMap::new();
        for (language, text) in [(Language::En, entry.en), (Language::Zh, entry.zh)] {
            let Some(text) = text else { continue };
            if text.get_ref().trim().is_empty() {
                errors.push(file.error_at(
                    text.span(),
                    format!("prompts.{name}.{}", language.code()),
                    "the text is empty",
                ));
                continue;
            }
            texts.insert(language, text.into_inner());
        }
        if !given {
            errors.push(file.error_at(
                span,
                format!("prompts.{name}"),
                "gives no text: write `en = \"...\"` and/or `zh = \"...\"`",
            ));
            continue;
        }
        if !texts.is_empty() {
            prompts.insert(name, texts);
        }
    }
    prompts
}
